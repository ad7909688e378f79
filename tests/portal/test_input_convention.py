"""One input convention (issue 15): every field where a person types a number reads full-width
characters, spaces and hyphens as the plain value; names and addresses refuse markup and control
characters; and every message is written for residents, in Chinese and in English."""

import pytest
from django.utils import translation

from portal.forms import AddressForm, CodeForm, PhoneForm, VerifyForm
from reservations.forms import CommitteeResidentForm
from tests.reservations.conftest import resident_id

ID = resident_id("35010219800101001")  # a valid 18-character resident ID card number
ID_WIDE = ID.translate({ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789X"})

TOO_LONG_EN = "is too long: at most"
TOO_LONG_ZH = "太长了：最多"
MARKUP_NAME = ("A name cannot contain the characters", "姓名中不能有")
HIDDEN_NAME = ("The name contains a line break or an invisible character", "姓名中有换行")
LETTERS_NAME = ("A name can contain only letters", "姓名中只能有文字")
MARKUP_ADDRESS = ("An address cannot contain the characters", "地址中不能有")
HIDDEN_ADDRESS = ("The address contains a line break or an invisible character", "地址中有换行")
PHONE_WRONG = ("This is not a mainland China mobile number", "手机号")
CODE_WRONG = ("The code has 6 digits.", "6位")
NUL = ("contains an invisible character", "看不见的字符")
ID_LENGTH = ("A resident identity card number has 18 characters", "18")


def _verify_data(**changes) -> dict:
    data = {"name": "林小梅", "document_type": "resident_id", "document_number": ID}
    return {**data, "method": "face", **changes}


def _address_data(street: str, fuzhou) -> dict:
    from city.models import Community

    community = Community.objects.select_related("town").first()
    return {
        "district": community.town.district_id,
        "town": community.town_id,
        "community": community.pk,
        "street_address": street,
    }


# (form, field, data builder, what is typed, the value kept or None, the message's words
# in English and in Chinese when refused)
CASES = [
    # Mobile numbers
    ("phone", "phone", "１３８ ００１３ ８０００", "13800138000", None),
    ("phone", "phone", "138-0013-8000", "13800138000", None),
    ("phone", "phone", "＋86 138\u30000013\u30008000", "13800138000", None),
    ("phone", "phone", "<b>13800138000</b>", None, PHONE_WRONG),
    ("phone", "phone", "138001\x0038000", None, NUL),
    ("phone", "phone", "1" * 31, None, (TOO_LONG_EN, TOO_LONG_ZH)),
    # The sign-in code
    ("code", "code", "１２３４５６", "123456", None),
    ("code", "code", "123 456", "123456", None),
    ("code", "code", "123-456", "123456", None),
    ("code", "code", "١٢٣٤٥٦", None, CODE_WRONG),  # Arabic-Indic digits are not the code
    ("code", "code", "<123456>", None, CODE_WRONG),
    ("code", "code", "1\x0023456", None, NUL),
    ("code", "code", "1" * 21, None, (TOO_LONG_EN, TOO_LONG_ZH)),
    # Identity document numbers
    ("verify", "document_number", ID_WIDE, ID, None),
    ("verify", "document_number", f"{ID[:6]} {ID[6:14]} {ID[14:]}", ID, None),
    ("verify", "document_number", f"{ID[:6]}-{ID[6:14]}-{ID[14:]}", ID, None),
    ("verify", "document_number", f"<{ID}>", None, ID_LENGTH),
    ("verify", "document_number", ID[:9] + "\x00" + ID[9:], None, NUL),
    ("verify", "document_number", "1" * 41, None, (TOO_LONG_EN, TOO_LONG_ZH)),
    # Names
    ("verify", "name", "  林  小梅 ", "林 小梅", None),
    ("verify", "name", "阿依古丽・买买提", "阿依古丽·买买提", None),  # the middle dot's look-alike
    ("verify", "name", "Mary-Jane O'Brien", "Mary-Jane O'Brien", None),
    ("verify", "name", "<script>alert(1)</script>", None, MARKUP_NAME),
    ("verify", "name", "林&小梅", None, MARKUP_NAME),
    ("verify", "name", "林小梅\n", "林小梅", None),  # a trailing line break is trimmed
    ("verify", "name", "林\n小梅", None, HIDDEN_NAME),
    ("verify", "name", "林\u200b小梅", None, HIDDEN_NAME),  # zero-width space
    ("verify", "name", "林\u202e小梅", None, HIDDEN_NAME),  # right-to-left override
    ("verify", "name", "林小梅123", None, LETTERS_NAME),
    ("verify", "name", "林" * 101, None, (TOO_LONG_EN, TOO_LONG_ZH)),
    ("committee", "name", "<b>陈阿婆</b>", None, MARKUP_NAME),
    ("committee", "name", "陈阿婆\x07", None, HIDDEN_NAME),
    # Street addresses
    ("address", "street_address", "五四路１２３号２座501室", "五四路１２３号２座501室", None),
    ("address", "street_address", "五四路  123号（东）", "五四路 123号（东）", None),
    ("address", "street_address", "五四路<img src=x>", None, MARKUP_ADDRESS),
    ("address", "street_address", "五四路\x00123号", None, NUL),
    ("address", "street_address", "五四路\r\n123号", None, HIDDEN_ADDRESS),
    ("address", "street_address", "路" * 121, None, (TOO_LONG_EN, TOO_LONG_ZH)),
]


def _form(kind: str, field: str, typed: str, fuzhou):
    if kind == "phone":
        return PhoneForm({"phone": typed})
    if kind == "code":
        return CodeForm({"code": typed})
    if kind == "verify":
        return VerifyForm(_verify_data(**{field: typed}))
    if kind == "committee":
        data = {"category": "elderly_alone", "document_type": "resident_id"}
        return CommitteeResidentForm({**data, "document_number": ID, "name": typed})
    return AddressForm(_address_data(typed, fuzhou))


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "field", "typed", "kept", "words"), CASES)
def test_every_typed_field_keeps_the_plain_value_or_says_what_is_wrong_in_both_languages(
    kind, field, typed, kept, words, fuzhou
):
    for language, index in (("en", 0), ("zh-hans", 1)):
        with translation.override(language):
            form = _form(kind, field, typed, fuzhou)
            valid = form.is_valid()
            if kept is not None:
                assert valid, form.errors
                assert form.cleaned_data[field] == kept
                continue
            assert not valid
            messages = [str(message) for message in form.errors[field]]
            assert any(words[index] in message for message in messages), messages
            # Never Django's programmer wording, in either language.
            for message in messages:
                for wording in ("Ensure this value", "确保", "该变量", "This field", "这个字段"):
                    assert wording not in message, message


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["phone", "code", "verify", "address", "committee"])
def test_an_empty_field_asks_for_it_by_name(kind, fuzhou):
    with translation.override("zh-hans"):
        form = _form(kind, "name" if kind in ("verify", "committee") else kind, "", fuzhou)
        if kind == "phone":
            form = PhoneForm({"phone": ""})
        elif kind == "code":
            form = CodeForm({"code": ""})
        elif kind == "address":
            form = AddressForm(_address_data("", fuzhou))
        assert not form.is_valid()
        messages = " ".join(str(m) for errors in form.errors.values() for m in errors)
        assert messages and "这个字段" not in messages and "This field" not in messages


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("１２３４５６７８", 200),
        ("1234 5678", 200),
        ("1234-5678", 200),
        (" 12345678 ", 200),
        ("1234567", 400),
        ("<b>12345678</b>", 400),
        ("١٢٣٤٥٦٧٨", 400),
    ],
)
def test_the_results_lookup_reads_a_number_as_it_is_typed(client, fuzhou, typed, status):
    response = client.get("/results/", {"number": typed}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == status
    if status == 200:
        assert "12345678" in response.content.decode()
