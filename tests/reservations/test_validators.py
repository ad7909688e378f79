"""Mobile numbers and identity documents. Pure functions: no database."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise

from city.phones import normalize_phone, phone_e164
from reservations.validators import (
    DocumentType,
    mask_document,
    validate_document,
    validate_foreign_permanent_id,
    validate_hmt_document,
    validate_passport,
    validate_resident_id,
)

# Injected so that the birth-date checks do not depend on when the suite runs.
TODAY = datetime.date(2020, 2, 15)

# The GB 11643-1999 check, written out again here so the tests do not trust the code under test.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check_char(first17: str) -> str:
    """A complete 18-character number: the 17 given digits and their ISO 7064 MOD 11-2 check."""
    assert re.fullmatch(r"[0-9]{17}", first17)
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def with_wrong_check_char(first17: str) -> str:
    right = with_check_char(first17)[-1]
    return first17 + ("0" if right != "0" else "1")


PUBLIC_EXAMPLE = "11010519491231002X"  # the example printed in GB 11643-1999
FUZHOU = with_check_char("35010219900307123")  # Gulou district, Fuzhou, born 1990-03-07
BORN_TODAY = with_check_char("350102" + TODAY.strftime("%Y%m%d") + "123")
FOREIGNER = with_check_char("93584019850715001")  # 9, Fujian (35), nationality 840, 1985-07-15
HK_PERMIT = with_check_char("81000019900101123")
MACAU_PERMIT = with_check_char("82000019851231456")
TAIWAN_PERMIT = with_check_char("83000020000229789")  # 2000 was a leap year


def raised(validator, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(*args, **kwargs)
    return caught.value


def rendered(error: ValidationError, language: str = "en") -> str:
    with translation.override(language):
        return " ".join(str(message) for message in error.messages)


def english(text) -> str:
    with translation.override("en"):
        return str(text)


def assert_does_not_leak(error: ValidationError, value: str) -> None:
    """Neither the number nor any 8 characters of it in a row, in any language we serve."""
    candidates = {value, value.strip(), value.strip().upper()}
    compact = "".join(value.split()).upper()
    candidates |= {compact[i : i + 8] for i in range(max(len(compact) - 7, 1))}
    for language in ("en", "zh-hans"):
        text = rendered(error, language) + repr(error)
        for candidate in candidates:
            assert candidate.upper() not in text.upper(), (language, candidate)


# --- The helper itself ----------------------------------------------------------------------


def test_the_check_helper_agrees_with_the_public_example_of_the_standard():
    assert with_check_char(PUBLIC_EXAMPLE[:17]) == PUBLIC_EXAMPLE


# --- Resident identity card: accepted -------------------------------------------------------


@pytest.mark.parametrize("number", [PUBLIC_EXAMPLE, FUZHOU, BORN_TODAY])
def test_it_accepts_a_valid_resident_id_and_returns_it_unchanged(number):
    assert validate_resident_id(number, today=TODAY) == number


def test_it_accepts_a_lower_case_x_and_returns_upper_case():
    assert validate_resident_id(PUBLIC_EXAMPLE.lower(), today=TODAY) == PUBLIC_EXAMPLE


def test_it_ignores_white_space_around_the_number():
    assert validate_resident_id(f"  {FUZHOU}\t\n", today=TODAY) == FUZHOU
    assert validate_resident_id(f"\u3000{FUZHOU}\u3000", today=TODAY) == FUZHOU


def test_it_uses_the_city_date_when_no_today_is_given():
    assert validate_resident_id(FUZHOU) == FUZHOU


# --- Resident identity card: refused, one code per problem ----------------------------------


def test_it_refuses_the_old_15_digit_card_and_asks_for_the_18_digit_one():
    error = raised(validate_resident_id, "350102900307123", today=TODAY)
    assert error.code == "length"
    assert "15-digit" in rendered(error)
    assert "18-digit" in rendered(error)


@pytest.mark.parametrize(
    "value", ["", "3501021990030712", FUZHOU + "0", FUZHOU[:9] + " " + FUZHOU[9:]]
)
def test_it_refuses_a_number_that_is_not_18_characters_long(value):
    error = raised(validate_resident_id, value, today=TODAY)
    assert error.code == "length"
    assert "18 characters" in rendered(error)


@pytest.mark.parametrize(
    "value",
    [
        FUZHOU[:17] + "Y",  # a letter other than X
        FUZHOU[:17] + "*",
        "3501O2199003071234",  # the letter O for a zero
        "X" + FUZHOU[1:],  # X anywhere but last
        "３５０１０２１９９００３０７１２３４",  # full-width digits are not ASCII
        "٣٥٠١٠٢١٩٩٠٠٣٠٧١٢٣٤",  # Arabic-Indic digits pass str.isdigit(), not us
    ],
)
def test_it_refuses_anything_but_17_digits_and_a_digit_or_x(value):
    error = raised(validate_resident_id, value, today=TODAY)
    assert error.code == "characters"


@pytest.mark.parametrize("province", ["71", "81", "82", "83"])
def test_it_sends_hong_kong_macau_and_taiwan_numbers_to_their_own_document_type(province):
    error = raised(validate_resident_id, with_check_char(province + "000019900101123"), today=TODAY)
    assert error.code == "province"
    assert english(DocumentType.HMT.label) in rendered(error)


def test_it_sends_the_18_digit_foreigner_card_to_its_own_document_type():
    error = raised(validate_resident_id, FOREIGNER, today=TODAY)
    assert error.code == "province"
    assert english(DocumentType.FOREIGN_PERMANENT.label) in rendered(error)


@pytest.mark.parametrize("province", ["99", "00", "10", "16", "20", "38", "47", "55", "60", "66"])
def test_it_refuses_a_number_that_does_not_start_with_a_mainland_province(province):
    error = raised(validate_resident_id, with_check_char(province + FUZHOU[2:17]), today=TODAY)
    assert error.code == "province"
    assert "province" in rendered(error)


@pytest.mark.parametrize(
    "province", ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65"]
)
def test_it_accepts_the_first_and_last_code_of_every_province_range(province):
    number = with_check_char(province + FUZHOU[2:17])
    assert validate_resident_id(number, today=TODAY) == number


@pytest.mark.parametrize(
    "birth_date",
    [
        "19000229",  # 1900 was not a leap year
        "20991231",  # in the future
        "20200216",  # tomorrow
        "18991231",  # before 1900
        "19901301",  # month 13
        "19900230",
        "19900001",
        "19900100",
    ],
)
def test_it_refuses_a_birth_date_that_cannot_be_real(birth_date):
    error = raised(
        validate_resident_id, with_check_char("350102" + birth_date + "123"), today=TODAY
    )
    assert error.code == "birth_date"
    assert "date of birth" in rendered(error)


def test_it_accepts_the_first_day_of_1900_and_a_29_february_of_a_leap_year():
    for birth_date in ("19000101", "20000229"):
        number = with_check_char("350102" + birth_date + "123")
        assert validate_resident_id(number, today=TODAY) == number


def test_it_refuses_a_wrong_check_character():
    error = raised(validate_resident_id, with_wrong_check_char(FUZHOU[:17]), today=TODAY)
    assert error.code == "checksum"
    assert "last character" in rendered(error)


def test_it_refuses_two_swapped_digits_through_the_check_character():
    swapped = FUZHOU[:14] + FUZHOU[15] + FUZHOU[14] + FUZHOU[16:]
    assert swapped != FUZHOU
    assert raised(validate_resident_id, swapped, today=TODAY).code == "checksum"


def test_it_checks_in_the_order_length_characters_province_birth_date_checksum():
    # Each value is wrong in every later respect too; only the earliest problem is reported.
    assert raised(validate_resident_id, "99000018991231", today=TODAY).code == "length"
    assert raised(validate_resident_id, "990000189913310Y", today=TODAY).code == "length"
    assert raised(validate_resident_id, "99000018991331000Y", today=TODAY).code == "characters"
    assert raised(validate_resident_id, "990000189913310000", today=TODAY).code == "province"
    assert raised(validate_resident_id, "350102189913310000", today=TODAY).code == "birth_date"


# --- Other documents ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (FOREIGNER, FOREIGNER),
        (f" {FOREIGNER} ", FOREIGNER),
        ("USA350085071500", "USA350085071500"),  # the older card
        ("usa350085071500", "USA350085071500"),
    ],
)
def test_it_accepts_both_foreigner_permanent_residence_cards(value, expected):
    assert validate_foreign_permanent_id(value, today=TODAY) == expected


@pytest.mark.parametrize(
    "value",
    [
        FUZHOU,  # a resident ID card: does not start with 9
        with_check_char("97184019850715001"),  # province 71
        with_check_char("93584018991231001"),  # born before 1900
        with_check_char("93584020991231001"),  # born in the future
        with_wrong_check_char("93584019850715001"),
        "US350085071500",  # two letters
        "USA35008507150",  # 11 digits
        "ÜSA350085071500",
        "",
    ],
)
def test_it_refuses_what_is_not_a_foreigner_permanent_residence_card(value):
    assert raised(validate_foreign_permanent_id, value, today=TODAY).code == "format"


@pytest.mark.parametrize(
    "value, expected",
    [
        (HK_PERMIT, HK_PERMIT),
        (MACAU_PERMIT, MACAU_PERMIT),
        (TAIWAN_PERMIT, TAIWAN_PERMIT),
        ("H12345678", "H12345678"),  # Hong Kong travel permit
        ("m12345678", "M12345678"),  # Macau, typed in lower case
        ("H1234567801", "H1234567801"),  # older card with the issue count
        ("12345678", "12345678"),  # Taiwan compatriot permit
        ("1234567801", "1234567801"),
        ("  H12345678 ", "H12345678"),
    ],
)
def test_it_accepts_hong_kong_macau_and_taiwan_permits(value, expected):
    assert validate_hmt_document(value, today=TODAY) == expected


@pytest.mark.parametrize(
    "value",
    [
        FUZHOU,
        with_check_char("81000119900101123"),  # 81 but not 810000
        with_check_char("81000019001301123"),  # month 13
        with_wrong_check_char("81000019900101123"),
        "H1234567",  # 7 digits
        "H123456789",  # 9 digits
        "A12345678",  # neither H nor M
        "1234567",
        "123456789",
        "H 12345678",
        "H１２３４５６７８",
    ],
)
def test_it_refuses_what_is_not_a_hong_kong_macau_or_taiwan_document(value):
    assert raised(validate_hmt_document, value, today=TODAY).code == "format"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("E12345678", "E12345678"),
        ("e12345678", "E12345678"),
        ("EA 1234567", "EA1234567"),
        ("12345", "12345"),
        ("A1B2C3D4E5F6G7H8J", "A1B2C3D4E5F6G7H8J"),  # 17 characters
    ],
)
def test_it_accepts_a_passport_number_of_letters_and_digits(value, expected):
    assert validate_passport(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "1234",  # too short
        "A1B2C3D4E5F6G7H8J9",  # 18 characters
        "PASSPORT",  # no digit
        "E1234-5678",
        "ß1234567",  # upper-cases to SS, which would pass a pattern
        "E１２３４５６７８",
        "",
    ],
)
def test_it_refuses_what_is_not_a_passport_number(value):
    assert raised(validate_passport, value).code == "format"


# --- Dispatch -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document_type, value, expected",
    [
        (DocumentType.RESIDENT_ID, PUBLIC_EXAMPLE.lower(), PUBLIC_EXAMPLE),
        ("resident_id", FUZHOU, FUZHOU),
        (DocumentType.FOREIGN_PERMANENT, "usa350085071500", "USA350085071500"),
        (DocumentType.HMT, "h12345678", "H12345678"),
        (DocumentType.PASSPORT, "e 1234 5678", "E12345678"),
    ],
)
def test_it_validates_each_document_by_its_type(document_type, value, expected):
    assert validate_document(document_type, value, today=TODAY) == expected


def test_a_number_valid_for_one_type_is_refused_under_another():
    assert raised(validate_document, DocumentType.PASSPORT, PUBLIC_EXAMPLE).code == "format"
    assert raised(validate_document, DocumentType.RESIDENT_ID, "H12345678").code == "length"
    assert raised(validate_document, DocumentType.HMT, PUBLIC_EXAMPLE).code == "format"


@pytest.mark.parametrize("document_type", ["", "driving_licence", "RESIDENT_ID", None])
def test_it_refuses_an_unknown_document_type(document_type):
    error = raised(validate_document, document_type, FUZHOU)
    assert error.code == "document_type"


def test_the_choices_offer_the_four_document_types():
    assert DocumentType.values == ["resident_id", "foreign_permanent", "hmt", "passport"]


# --- Messages -------------------------------------------------------------------------------

REFUSED = [
    (validate_resident_id, "350102900307123"),
    (validate_resident_id, " 35010219900307123 "),
    (validate_resident_id, FUZHOU[:17] + "Y"),
    (validate_resident_id, with_check_char("71" + FUZHOU[2:17])),
    (validate_resident_id, with_check_char("81" + FUZHOU[2:17])),
    (validate_resident_id, with_check_char("99" + FUZHOU[2:17])),
    (validate_resident_id, FOREIGNER),
    (validate_resident_id, with_check_char("35010220991231123")),
    (validate_resident_id, with_wrong_check_char(FUZHOU[:17])),
    (validate_foreign_permanent_id, with_wrong_check_char(FOREIGNER[:17])),
    (validate_foreign_permanent_id, with_check_char("93584020991231001")),
    (validate_foreign_permanent_id, "USA35008507150"),
    (validate_hmt_document, with_wrong_check_char(HK_PERMIT[:17])),
    (validate_hmt_document, "H123456789"),
    (validate_passport, "E1234-5678"),
]


@pytest.mark.parametrize("validator, value", REFUSED)
def test_error_messages_never_contain_the_number(validator, value):
    kwargs = {} if validator is validate_passport else {"today": TODAY}
    error = raised(validator, value, **kwargs)
    assert_does_not_leak(error, value)


@pytest.mark.parametrize("validator, value", REFUSED)
def test_error_messages_are_translatable_and_say_what_to_do(validator, value):
    kwargs = {} if validator is validate_passport else {"today": TODAY}
    error = raised(validator, value, **kwargs)
    assert isinstance(error.message, Promise)
    assert "Please" in rendered(error)


def test_no_chained_exception_carries_the_number():
    error = raised(validate_resident_id, with_check_char("35010219901301123"), today=TODAY)
    assert error.__cause__ is None
    assert error.__context__ is None


# --- Mobile numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "  13800138000\n",
        "+86 138-0013-8000",
        "+8613800138000",
        "8613800138000",
        "008613800138000",
        "0086 138 0013 8000",
        "138 0013 8000",
        "１３８００１３８０００",  # full-width digits
        "１３８－００１３－８０００",  # and a full-width dash
        "＋８６\u3000138\u30000013\u30008000",  # full-width plus, ideographic spaces
        "138—0013—8000",
    ],
)
def test_it_normalises_a_mainland_mobile_number_to_11_digits(value):
    assert normalize_phone(value) == "13800138000"


@pytest.mark.parametrize("second_digit", "3456789")
def test_it_accepts_every_mobile_second_digit_from_3_to_9(second_digit):
    assert normalize_phone(f"1{second_digit}800138000") == f"1{second_digit}800138000"


@pytest.mark.parametrize(
    "value",
    [
        "０１３８００１３８０００",  # a leading zero
        "12800138000",  # second digit 2
        "1380013800",  # 10 digits
        "138001380000",  # 12 digits
        "86 1380013800",  # country code, then only 10 digits
        "+86 12800138000",
        "+13800138000",  # a plus without the country code
        "8613800138000 0",
        "0591-87654321",  # a Fuzhou landline
        "23800138000",
        "١٣٨٠٠١٣٨٠٠٠",  # Arabic-Indic digits
        "138OO138OOO",  # letter O
        "",
    ],
)
def test_it_refuses_what_is_not_a_mainland_mobile_number(value):
    error = raised(normalize_phone, value)
    assert error.code == "phone"
    assert isinstance(error.message, Promise)
    assert "11 digits" in rendered(error)


def test_it_gives_the_international_form_for_text_messages():
    assert phone_e164("13800138000") == "+8613800138000"
    assert phone_e164(normalize_phone("+86 138-0013-8000")) == "+8613800138000"


# --- Masking --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("350102199003071234", "350***********1234"),  # 18 characters: 7 shown, 11 stars
        (PUBLIC_EXAMPLE, "110***********002X"),
        ("USA350085071500", "USA*********500"),
        ("H1234567801", "H1*******01"),
        ("E21535642", "E******42"),  # the passport: it used to keep 8 of its 9
        ("12345678", "******78"),  # 8 or fewer: only the end stays, at most 2
        ("E12345", "****45"),
        ("12", "**"),
        ("", ""),
    ],
)
def test_it_masks_all_but_a_few_characters_at_the_ends(value, expected):
    assert mask_document(value) == expected


# What each document type's numbers are made of, for the property loop below.
DOCUMENT_ALPHABETS = {
    DocumentType.RESIDENT_ID: "0123456789X",
    DocumentType.FOREIGN_PERMANENT: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    DocumentType.HMT: "0123456789HM",
    DocumentType.PASSPORT: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
}
LONGEST_DOCUMENT = 18  # resident ID cards and the 18-character permits; passports have 17


def assert_mask_hides_enough(number: str, masked: str) -> None:
    assert len(masked) == len(number)
    hidden = masked.count("*")
    assert 5 * hidden >= 3 * len(number), (number, masked)  # at least 60 % hidden
    for shown, original in zip(masked, number, strict=True):
        assert shown in ("*", original)  # nothing made up, nothing moved


def test_every_mask_hides_at_least_60_percent_of_any_document_of_any_length():
    import random

    rng = random.Random(11)
    for alphabet in DOCUMENT_ALPHABETS.values():
        for length in range(1, LONGEST_DOCUMENT + 1):
            for _ in range(50):
                number = "".join(rng.choice(alphabet) for _ in range(length))
                assert_mask_hides_enough(number, mask_document(number))


def test_masks_of_real_numbers_of_each_type_hide_at_least_60_percent():
    numbers = {
        DocumentType.RESIDENT_ID: [FUZHOU, PUBLIC_EXAMPLE],
        DocumentType.FOREIGN_PERMANENT: ["USA350085071500", with_check_char("93510219900307123")],
        DocumentType.HMT: [
            "H12345678",
            "M1234567801",
            "12345678",
            with_check_char("81000019900307123"),
        ],
        DocumentType.PASSPORT: ["E2153", "E21535642", "G12345678901234AB"],
    }
    for document_type, values in numbers.items():
        for value in values:
            number = validate_document(document_type, value, today=TODAY)
            assert_mask_hides_enough(number, mask_document(number))


def test_a_mask_keeps_the_length_of_the_number():
    for length in range(30):
        assert len(mask_document("9" * length)) == length
