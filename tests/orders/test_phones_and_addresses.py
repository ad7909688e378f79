"""The two ways a phone is written (a resident's mobile, a committee's fixed line), masked
phones, and rule 8's address comparison, on their own."""

import pytest
from django.core.exceptions import ValidationError

from city.phones import mask_phone, normalize_contact_phone
from orders.selectors import address_key


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("0591-87010100", "059187010100"),
        ("(0591) 8701 0100", "059187010100"),
        ("（0591）87010100", "059187010100"),
        ("+86 591 8701 0100", "059187010100"),
        ("010-12345678", "01012345678"),
    ],
)
def test_phones_are_read_however_they_are_written(written, normalised):
    assert normalize_contact_phone(written) == normalised


@pytest.mark.parametrize("written", ["", "12345", "1380013800", "59187010100", "0591-8701", "abc"])
def test_what_cannot_be_a_phone_is_refused(written):
    with pytest.raises(ValidationError):
        normalize_contact_phone(written)


def test_a_masked_phone_keeps_the_first_three_and_last_four_digits():
    assert mask_phone("13800000092") == "138****0092"
    assert mask_phone("0591-87010100") == "059*****0100"
    assert mask_phone("12345") == "*****"


def test_addresses_compare_without_space_width_case_and_punctuation():
    assert address_key("福州市 五四路１２号，Ａ座") == address_key("福州市五四路12号a座")
    assert address_key("五四路12号") != address_key("五四路13号")
    assert address_key("2座501室") != address_key("2座502室")
    assert address_key("12-3") == address_key("123")  # a dash is punctuation, as rule 8 says
