"""Staff forms speak to people too (issue 15): an empty or over-long field on the ceremony page,
a pickup point's receipt or a new partner gets a message that names the field, in Chinese and
English, never Django's programmer wording ("Ensure this value has at most…", "确保该变量…")."""

import pytest
from django import forms
from django.utils import translation

from lottery import admin as lottery_admin
from orders import admin as orders_admin
from pickup import admin as pickup_admin

DJANGO_WORDING = ("Ensure this value", "确保", "该变量", "This field is required", "这个字段")


def _staff_forms() -> list[type[forms.Form]]:
    found = []
    for module in (lottery_admin, pickup_admin, orders_admin):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.Form)
                and value.__module__ == module.__name__
                and value.base_fields
            ):
                found.append(value)
    return found


STAFF_FORMS = _staff_forms()


def test_the_staff_forms_are_found():
    names = {form.__name__ for form in STAFF_FORMS}
    assert {"ReasonForm", "SignOffForm", "ReceiptForm", "PartnerForm"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", STAFF_FORMS, ids=lambda form: form.__name__)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_staff_form_refuses_empty_and_over_long_input_in_words(form_class, language):
    with translation.override(language):
        form = form_class()
        empty = {name: "" for name in form.fields}
        long = {
            name: "1" * (getattr(field, "max_length", None) or 0) + "1"
            for name, field in form.fields.items()
            if getattr(field, "max_length", None)
        }
        for data in (empty, {**empty, **long}):
            bound = form_class(data)
            bound.is_valid()
            messages = [str(m) for errors in bound.errors.values() for m in errors]
            for message in messages:
                assert not any(wording in message for wording in DJANGO_WORDING), message
        if any(field.required for field in form.fields.values()):
            assert form_class(empty).errors  # something was refused, and said so
