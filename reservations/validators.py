"""Identity documents: normalise what people type, refuse what cannot be real (mobile numbers:
`city.phones`).

Every validator returns the normalised value (what we hash, mask and store) or raises
ValidationError with a translatable message that says what is wrong and what to do. Messages
never repeat the number: they end up in logs and on error pages.

Only ASCII digits and letters count: Python's `\\d` and `str.isdigit()` also accept Arabic-Indic
and other digits, which would otherwise slip through into the stored value.
"""

import datetime
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from city.inputs import typed_code

# A message: translated lazily, in the language of whoever finally reads it.
Message = str | Promise


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    FOREIGN_PERMANENT = "foreign_permanent", _("Foreigner's permanent residence ID card")
    HMT = "hmt", _("Hong Kong / Macau / Taiwan residence permit or travel permit")
    PASSPORT = "passport", _("Passport")


# --- Shared by the 18-character numbers (GB 11643-1999 and the documents modelled on it) ------

# Mainland provinces, autonomous regions and municipalities (GB/T 2260 first two digits).
_PROVINCE_CODES = frozenset(
    f"{code:02d}"
    for code in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
    )
)
# Taiwan, Hong Kong, Macau and the residence permits issued to their residents.
_HMT_CODES = frozenset({"71", "81", "82", "83"})
_HMT_PERMIT_PREFIXES = ("810000", "820000", "830000")

# ISO 7064 MOD 11-2, as GB 11643-1999 uses it (the seeding of demo residents uses them too).
CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_EIGHTEEN_RE = re.compile(r"[0-9]{17}[0-9X]")
_EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, CHECK_WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def _is_birth_date(yyyymmdd: str, today: datetime.date | None) -> bool:
    try:
        born = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        # Returned rather than re-raised, so no chained exception can carry the digits.
        return False
    # The city's date, not the server's: USE_TZ is on and the server may run in UTC.
    return _EARLIEST_BIRTH_DATE <= born <= (today or timezone.localdate())


_BIRTH_DATE_MESSAGE = _(
    "Digits 7 to 14 of this number should be a date of birth, but they are not a possible one. "
    "Please check the number against your document."
)
_CHECKSUM_MESSAGE = _(
    "The last character of this number does not match the others, so a character is probably "
    "mistyped. Please check the number against your document."
)


def _hmt_not_resident_id_message() -> Message:
    return format_lazy(
        _(
            "This number belongs to a Hong Kong, Macau or Taiwan resident's document, not to a "
            "mainland resident identity card. Please choose the document type “{document_type}”."
        ),
        document_type=DocumentType.HMT.label,
    )


def _foreigner_not_resident_id_message() -> Message:
    return format_lazy(
        _(
            "This number belongs to a foreigner's permanent residence ID card, not to a mainland "
            "resident identity card. Please choose the document type “{document_type}”."
        ),
        document_type=DocumentType.FOREIGN_PERMANENT.label,
    )


# --- Resident identity card ---------------------------------------------------------------


def validate_resident_id(value: str, *, today: datetime.date | None = None) -> str:
    """A resident identity card number (GB 11643-1999), with an upper-case X."""
    number = value.strip()
    if len(number) != 18:
        if re.fullmatch(r"[0-9]{15}", number):
            raise ValidationError(
                _(
                    "This looks like an old 15-digit identity card, which is no longer accepted. "
                    "Please enter the number of your 18-digit resident identity card."
                ),
                code="length",
            )
        raise ValidationError(
            _(
                "A resident identity card number has 18 characters. "
                "Please enter all 18, without spaces."
            ),
            code="length",
        )
    if number.endswith("x"):
        number = number[:17] + "X"
    if not _EIGHTEEN_RE.fullmatch(number):
        raise ValidationError(
            _(
                "A resident identity card number is 17 digits followed by a digit or the letter X. "
                "Please check for mistyped characters, and type ordinary (half-width) digits."
            ),
            code="characters",
        )
    if number[:2] not in _PROVINCE_CODES:
        message: Message
        if number[:2] in _HMT_CODES:
            message = _hmt_not_resident_id_message()
        elif number[0] == "9" and number[1:3] in _PROVINCE_CODES:
            # The 18-digit foreigner's card: 9, then the province that issued it.
            message = _foreigner_not_resident_id_message()
        else:
            message = _(
                "The first two digits of this number are not a mainland province code. "
                "Please check the number against your identity card."
            )
        raise ValidationError(message, code="province")
    if not _is_birth_date(number[6:14], today):
        raise ValidationError(_BIRTH_DATE_MESSAGE, code="birth_date")
    if check_char(number[:17]) != number[17]:
        raise ValidationError(_CHECKSUM_MESSAGE, code="checksum")
    return number


# --- Other documents: one error code, "format" --------------------------------------------


def _ascii_upper(value: str) -> str | None:
    """Upper-case, or None when not ASCII: "ß".upper() is "SS", which would pass a pattern."""
    return value.upper() if value.isascii() else None


def _check_eighteen(
    number: str, message: Message, *, today: datetime.date | None, allowed: Callable[[str], bool]
) -> None:
    """The checks that resident ID cards, the 18-digit foreigner's card and HMT permits share."""
    if not _EIGHTEEN_RE.fullmatch(number) or not allowed(number):
        raise ValidationError(message, code="format")
    if not _is_birth_date(number[6:14], today):
        raise ValidationError(_BIRTH_DATE_MESSAGE, code="format")
    if check_char(number[:17]) != number[17]:
        raise ValidationError(_CHECKSUM_MESSAGE, code="format")


_FOREIGN_PERMANENT_MESSAGE = _(
    "A foreigner's permanent residence ID card number is either 18 characters starting with 9, "
    "or 3 letters followed by 12 digits. Please check the number against your card."
)


def validate_foreign_permanent_id(value: str, *, today: datetime.date | None = None) -> str:
    """Foreigner's permanent residence ID card: the 18-character card issued since 2023, or
    the older 15-character one (3-letter nationality code + 12 digits)."""
    number = _ascii_upper(value.strip())
    if number is None:
        raise ValidationError(_FOREIGN_PERMANENT_MESSAGE, code="format")
    if re.fullmatch(r"[A-Z]{3}[0-9]{12}", number):
        return number
    _check_eighteen(
        number,
        _FOREIGN_PERMANENT_MESSAGE,
        today=today,
        # 9 marks a foreigner; digits 2-3 are the province that issued the card.
        allowed=lambda n: n[0] == "9" and n[1:3] in _PROVINCE_CODES,
    )
    return number


_HMT_MESSAGE = _(
    "This is not a Hong Kong, Macau or Taiwan document number. A residence permit number has "
    "18 characters starting with 810000, 820000 or 830000; a travel permit number is H or M "
    "followed by 8 digits (Hong Kong and Macau) or 8 digits (Taiwan). Please check the number "
    "against your document."
)
# Travel permits; the older cards add a 2-digit issue count.
_HMT_TRAVEL_PERMIT_RE = re.compile(r"[HM]?[0-9]{8}(?:[0-9]{2})?")


def validate_hmt_document(value: str, *, today: datetime.date | None = None) -> str:
    """Hong Kong, Macau or Taiwan resident: residence permit, or Mainland travel permit."""
    number = _ascii_upper(value.strip())
    if number is None:
        raise ValidationError(_HMT_MESSAGE, code="format")
    if _HMT_TRAVEL_PERMIT_RE.fullmatch(number):
        return number
    _check_eighteen(
        number, _HMT_MESSAGE, today=today, allowed=lambda n: n.startswith(_HMT_PERMIT_PREFIXES)
    )
    return number


_PASSPORT_MESSAGE = _(
    "A passport number has 5 to 17 letters and digits, with at least one digit. "
    "Please copy it from the photo page of your passport."
)


def validate_passport(value: str, *, today: datetime.date | None = None) -> str:
    """Any country's passport: letters and digits; spaces people copy from the page are dropped."""
    number = _ascii_upper("".join(value.split()))
    # A digit is required: a word typed by mistake ("PASSPORT") is not a number.
    if number is None or not re.fullmatch(r"[A-Z0-9]{5,17}", number) or number.isalpha():
        raise ValidationError(_PASSPORT_MESSAGE, code="format")
    return number


# --- Dispatch and masking -----------------------------------------------------------------

_VALIDATORS: dict[str, Callable[..., str]] = {
    DocumentType.RESIDENT_ID.value: validate_resident_id,
    DocumentType.FOREIGN_PERMANENT.value: validate_foreign_permanent_id,
    DocumentType.HMT.value: validate_hmt_document,
    DocumentType.PASSPORT.value: validate_passport,
}


def validate_document(document_type: str, value: str, *, today: datetime.date | None = None) -> str:
    """The normalised number for a DocumentType value."""
    validator = _VALIDATORS.get(document_type)
    # Full-width characters, spaces and dashes, as every typed number (city.inputs).
    value = typed_code(value)
    if validator is None:
        raise ValidationError(
            _("Please choose the kind of identity document you have."), code="document_type"
        )
    return validator(value, today=today)


# A mask shows at most 2 characters in 5 (rounded down) and hides the rest: an identity card
# keeps 7 of its 18, a 9-character passport 3. Numbers of 8 characters or fewer show only their
# end. Migration 0010 rewrote the older masks (first 4 and last 4) with this same rule.
MASK_SHOWN_PER_FIVE = 2


def mask_shown(length: int) -> tuple[int, int]:
    """How many leading and trailing characters a mask of a `length`-character number shows."""
    shown = length * MASK_SHOWN_PER_FIVE // 5
    if length <= 8:
        return 0, min(shown, 2)
    head = shown // 2
    return head, shown - head


def mask_document(value: str) -> str:
    """What staff and the resident see: enough to recognise a document, not to copy it."""
    head, tail = mask_shown(len(value))
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def mask_name(value: str) -> str:
    """A name as staff lists show it: the first character (a Chinese surname) and, for names of
    three characters or more, the last; the rest hidden, one star per character. "陈阿婆" reads
    "陈*婆", "林梅" "林*"."""
    name = value.strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
