from django import forms
from django.utils.translation import gettext_lazy as _


class SuggestionForm(forms.Form):
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
