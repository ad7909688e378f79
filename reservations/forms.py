"""Forms of the staff pages of this app; the mixin is shared with the residents' own pages
(portal/forms.py)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from city.inputs import PlainMessages, clean_person_name
from reservations.models import Category
from reservations.validators import DocumentType, validate_document


class DocumentCheckMixin:
    """Checks `document_number` against the format of the chosen `document_type`, and keeps
    the normalised number (the one that is hashed and masked)."""

    def clean(self):
        cleaned = super().clean()
        if "document_type" in cleaned and "document_number" in cleaned:
            try:
                cleaned["document_number"] = validate_document(
                    cleaned["document_type"], cleaned["document_number"]
                )
            except ValidationError as error:
                self.add_error("document_number", error)
        return cleaned


class CommitteeResidentForm(PlainMessages, DocumentCheckMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.ChoiceField(label=_("Special group"), choices=Category.choices)
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    document_number = forms.CharField(label=_("Document number"), max_length=40)

    def clean_name(self) -> str:
        return clean_person_name(self.cleaned_data["name"])


class ResidentAdminForm(PlainMessages, forms.ModelForm):
    """The committee's change page of a resident they registered: the name follows the same
    rules as everywhere a name is typed (city.inputs)."""

    def clean_name(self) -> str:
        name = self.cleaned_data.get("name") or ""
        return clean_person_name(name) if name.strip() else name
