"""Forms of the staff pages of this app; the mixin is shared with the residents' own pages
(portal/forms.py)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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


class CommitteeResidentForm(DocumentCheckMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.ChoiceField(label=_("Special group"), choices=Category.choices)
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    document_number = forms.CharField(label=_("Document number"), max_length=40)
