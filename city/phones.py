"""Phone numbers, for every app: normalise what people type, mask what staff see.

Only ASCII digits count: Python's `\\d` and `str.isdigit()` also accept Arabic-Indic and other
digits, which would otherwise slip through into the stored value. Messages never repeat the
number: they end up in logs and on error pages.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from city.inputs import typed_code

# --- Mobile numbers -------------------------------------------------------------------------

# Full-width digits and plus signs, spaces and dashes: read as `city.inputs` reads every typed
# number (issue 15).
# The country code is optional, but only in front of a complete 11-digit mobile number.
_PHONE_RE = re.compile(r"(?:\+86|0086|86)?(1[3-9][0-9]{9})")

_PHONE_MESSAGE = _(
    "This is not a mainland China mobile number. Please enter the 11 digits of your mobile "
    "number, starting with 1, for example 138 0013 8000."
)


def normalize_phone(value: str) -> str:
    """The 11 digits of a mainland mobile number, from however people write it."""
    compact = typed_code(value.strip())
    match = _PHONE_RE.fullmatch(compact)
    if match is None:
        raise ValidationError(_PHONE_MESSAGE, code="phone")
    return match.group(1)


# A fixed line: 0, a 2-3 digit area code and a 7-8 digit number (0591-87010100), or the same
# with +86 / 0086 in front of the area code. Committees may have only such a line (rule 10).
_LANDLINE_RE = re.compile(r"(?:\+86|0086)?0?([1-9][0-9]{8,10})")
_LANDLINE_PUNCTUATION = str.maketrans(dict.fromkeys("()（）", None))


def normalize_contact_phone(value: str) -> str:
    """A mobile number as at sign-in (11 digits), or else a committee's fixed line as its
    digits with the leading 0 (059187010100): the key two spellings of one phone share."""
    try:
        return normalize_phone(value)
    except ValidationError:
        pass
    compact = typed_code(value.strip()).translate(_LANDLINE_PUNCTUATION)
    match = _LANDLINE_RE.fullmatch(compact)
    if match is None or not compact.startswith(("0", "+86")):
        raise ValidationError(_PHONE_MESSAGE, code="phone")
    return "0" + match.group(1)


def mask_phone(value: str) -> str:
    """What staff lists and exports show of a phone: the first three and last four digits of
    its normal form, so that every way of writing one number masks the same."""
    try:
        digits = normalize_contact_phone(value)
    except ValidationError:
        digits = "".join(char for char in value if char.isascii() and char.isdigit())
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def phone_e164(phone11: str) -> str:
    """The international form the SMS gateway wants."""
    # Normalising again is idempotent and keeps a malformed number out of the outbox.
    return "+86" + normalize_phone(phone11)


# The one form an SMS can be sent to: a mainland mobile in E.164, as `phone_e164` makes it.
_SMS_RECIPIENT_RE = re.compile(r"\+861[3-9][0-9]{9}")


def is_sms_recipient(value: str) -> bool:
    """Whether an SMS can reach `value`: a mainland mobile number in E.164 (+861…). A fixed
    line, an empty value or an 11-digit number without +86 is not one. One regular-expression
    match, so that a draw's 100,000 messages can each be checked."""
    return _SMS_RECIPIENT_RE.fullmatch(value) is not None


def committee_recipient(*, sms_phone: str, phone: str) -> str:
    """Where a committee's messages go: its mobile number for messages (`Community.sms_phone`,
    11 digits) in E.164; without one, its own phone as recorded, usually a fixed line, which
    the outbox refuses and records (the committee follows its wins in the admin)."""
    return "+86" + sms_phone if sms_phone else phone
