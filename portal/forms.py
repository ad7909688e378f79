"""The forms of the residents' pages (suggestions, sign-in, verification and address) and the
officials' dashboard filters."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from city.inputs import PlainMessages, clean_person_name, clean_street_address, typed_code
from city.models import Community, District, Town
from city.phones import normalize_phone
from reservations.forms import DocumentCheckMixin
from reservations.models import Method
from reservations.validators import DocumentType


class SuggestionForm(PlainMessages, forms.Form):
    text = forms.CharField(
        label=_("Your comment or suggestion"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Please write your comment or suggestion.")},
    )
    contact = forms.CharField(
        label=_("How can we reach you? (optional)"),
        max_length=100,
        required=False,
        help_text=_("A phone number or e-mail, only if you would like an answer."),
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Please write your comment or suggestion."))
        return text


class PhoneForm(PlainMessages, forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Please enter your mobile number.")},
    )

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


class CodeForm(PlainMessages, forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={
            "required": _("Please enter the code from the SMS."),
            "invalid": _("The code has 6 digits."),
        },
    )

    def clean_code(self) -> str:
        # Full-width digits and grouping spaces are read as the code; `\d` would also take
        # Arabic-Indic digits, so the check is on ASCII digits only.
        code = typed_code(self.cleaned_data["code"].strip())
        if not re.fullmatch(r"[0-9]{6}", code):
            raise ValidationError(self.fields["code"].error_messages["invalid"], code="invalid")
        return code


class VerifyForm(PlainMessages, DocumentCheckMixin, forms.Form):
    name = forms.CharField(label=_("Name as on the document"), max_length=100)
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    method = forms.ChoiceField(
        label=_("Verification method"),
        choices=[(Method.FACE, Method.FACE.label), (Method.BANK_CARD, Method.BANK_CARD.label)],
        widget=forms.RadioSelect,
    )

    def clean_name(self) -> str:
        return clean_person_name(self.cleaned_data["name"])


class AddressForm(PlainMessages, forms.Form):
    """District → town → community, narrowed step by step; works without JavaScript (the
    "Show towns" buttons reload the form with the next list)."""

    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.all(), empty_label=_("Choose…")
    )
    town = forms.ModelChoiceField(
        label=_("Town or street office"), queryset=Town.objects.none(), empty_label=_("Choose…")
    )
    community = forms.ModelChoiceField(
        label=_("Village or residents' committee"),
        queryset=Community.objects.none(),
        empty_label=_("Choose…"),
    )
    street_address = forms.CharField(
        label=_("Street, building and room"),
        max_length=120,
        help_text=_("For example: 五四路123号2座501室"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        district = source.get("district")
        town = source.get("town")
        if district:
            self.fields["town"].queryset = Town.objects.filter(district_id=_pk(district))
        if town:
            self.fields["community"].queryset = Community.objects.filter(
                town_id=_pk(town), town__district_id=_pk(district)
            )
        for field in ("district", "town", "community"):
            self.fields[field].label_from_instance = lambda obj: obj.display_name

    def clean_street_address(self) -> str:
        return clean_street_address(self.cleaned_data["street_address"])


def _pk(value) -> int | None:
    value = getattr(value, "pk", value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# A year of days is the longest range the daily chart draws legibly (and reads quickly).
DASHBOARD_MAX_DAYS = 366


class DashboardFilterForm(PlainMessages, forms.Form):
    """The dashboard's filters, from the query string: a district (or all) and a range of
    Shanghai dates, both ends included."""

    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.order_by("sort_order", "pk"),
        required=False,
        empty_label=_("All districts"),
        error_messages={"invalid_choice": _("Choose a district from the list.")},
    )
    since = forms.DateField(
        label=_("First day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the first day as a date, e.g. 2020-02-17.")},
    )
    until = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the last day as a date, e.g. 2020-02-29.")},
    )

    def clean_since(self):
        return _in_range(self.cleaned_data.get("since"))

    def clean_until(self):
        return _in_range(self.cleaned_data.get("until"))

    def clean(self) -> dict:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until:
            if since > until:
                raise ValidationError(_("The first day must not be after the last day."))
            if (until - since).days >= DASHBOARD_MAX_DAYS:
                raise ValidationError(
                    _("Choose at most %(days)s days.") % {"days": DASHBOARD_MAX_DAYS}
                )
        return data


def _in_range(day):
    # Far dates would only draw empty charts, and the last day's morrow must exist.
    if day is not None and not (2000 <= day.year <= 2099):
        raise ValidationError(_("Enter a date between 2000 and 2099."))
    return day
