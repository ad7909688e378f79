"""What people type, read one way everywhere (issue 15): numbers and codes, names, addresses.

A number or code (phone, identity document, reservation number, sign-in code) is typed on
phones whose input methods give full-width digits and letters, and copied from documents and
messages with spaces and dashes in it. `typed_code` reads all of them as the plain ASCII value
before any check. Names and street addresses are shown to staff, printed on slips and sent to
partners: markup and control characters in them are refused with a message, never stored.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.forms.utils import pretty_name
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# Full-width ASCII (U+FF01-U+FF5E) is ASCII shifted by 0xFEE0; the ideographic space and
# every space and dash people type or paste are only grouping, so they go.
GROUPING = " \t\u00a0\u2007\u202f\u3000-\uff0d\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_CODE_TRANSLATION = str.maketrans(
    {
        **{chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},
        **dict.fromkeys(GROUPING, None),
    }
)


def typed_code(value: str) -> str:
    """`value` with full-width digits and letters made ASCII and spaces and dashes dropped:
    "１２３４ ５６７８" and "1234-5678" are "12345678". Case is left to the field."""
    return value.translate(_CODE_TRANSLATION)


# --- Names and street addresses -------------------------------------------------------------

# The middle dot of minority and foreign names (阿依古丽·买买提), in the look-alikes input
# methods type for it.
MIDDLE_DOT = "\u00b7"
_DOT_TRANSLATION = str.maketrans(dict.fromkeys("\u30fb\u2027\u2022\uff65\u2219\u22c5", MIDDLE_DOT))
# Characters that mean something in HTML, templates or spreadsheets' neighbours; no real name
# or address needs them.
MARKUP = frozenset('<>&"`{}\\')
# Control, format (invisible: zero-width, bidirectional overrides), surrogate and private-use
# characters, and line and paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Besides letters and combining marks, a name may hold spaces, the middle dot, hyphens,
# apostrophes and full stops (Mary-Jane O'Brien Jr.).
_NAME_PUNCTUATION = frozenset(" " + MIDDLE_DOT + "-'\u2019.")


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN_CATEGORIES


def _refuse_hidden(value: str, *, markup, hidden) -> None:
    """Markup first: "<script>" is named for what it is, not as some invisible character."""
    if any(char in MARKUP for char in value):
        raise ValidationError(markup, code="markup")
    if any(_hidden(char) for char in value):
        raise ValidationError(hidden, code="control")


def _tidy(value: str) -> str:
    # Inner runs of ordinary and ideographic spaces become one space; tabs and line breaks are
    # control characters and are refused below rather than silently joined.
    return re.sub(r"[ \u00a0\u3000]+", " ", value.strip(" \u00a0\u3000"))


def clean_person_name(value: str) -> str:
    """A person's name as it is kept: trimmed, inner spaces single, the middle dot one dot.
    Refuses markup, invisible characters and anything but letters and the name punctuation."""
    name = _tidy(value).translate(_DOT_TRANSLATION)
    if not name:
        raise ValidationError(_("Please enter the name."), code="required")
    _refuse_hidden(
        name,
        markup=_(
            'A name cannot contain the characters < > & " ` { } or \\. Please type the name only.'
        ),
        hidden=_(
            "The name contains a line break or an invisible character. Please type the name "
            "again, without copying it from elsewhere."
        ),
    )
    if any(
        char not in _NAME_PUNCTUATION and unicodedata.category(char)[0] not in "LM" for char in name
    ):
        raise ValidationError(
            _(
                "A name can contain only letters, spaces, the middle dot (·), hyphens, "
                "apostrophes and full stops. Please type it as on the document."
            ),
            code="characters",
        )
    return name


def clean_street_address(value: str) -> str:
    """A street address as it is kept: trimmed, inner spaces single; markup and invisible
    characters refused. Chinese, digits, letters and ordinary punctuation are all fine."""
    address = _tidy(value)
    if not address:
        raise ValidationError(_("Please enter the street, building and room."), code="required")
    _refuse_hidden(
        address,
        markup=_(
            'An address cannot contain the characters < > & " ` { } or \\. Please type '
            "the street, building and room only."
        ),
        hidden=_(
            "The address contains a line break or an invisible character. Please type it "
            "on one line, without copying it from elsewhere."
        ),
    )
    return address


# --- Messages for every form field ----------------------------------------------------------


class PlainMessages:
    """A form mixin: every field's "required", "too long" and "choose from the list" messages in
    words for residents, naming the field, instead of Django's programmer wording ("Ensure this
    value has at most…", "确保该变量…"). A message a field sets itself is kept."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            label = field.label or pretty_name(name)  # what the form shows beside the field
            mine = {
                "required": format_lazy(_("Please fill in “{label}”."), label=label),
                # Django's MaxLengthValidator raises code "max_length"; the field's message for
                # that code replaces the validator's own.
                "max_length": format_lazy(
                    _("“{label}” is too long: at most %(limit_value)d characters."), label=label
                ),
                # A NUL typed or pasted (CharField's ProhibitNullCharactersValidator).
                "null_characters_not_allowed": format_lazy(
                    _(
                        "“{label}” contains an invisible character. Please type it again, "
                        "without copying it from elsewhere."
                    ),
                    label=label,
                ),
                "invalid_choice": format_lazy(
                    _("Please choose “{label}” from the list."), label=label
                ),
            }
            for code, message in mine.items():
                current = field.error_messages.get(code)
                if (
                    code == "null_characters_not_allowed"
                    or current is None
                    or any(current is django for django in _DJANGO_DEFAULTS.get(code, ()))
                ):
                    field.error_messages[code] = message


def _django_defaults() -> dict[str, tuple]:
    from django import forms

    found: dict[str, list] = {}
    for field_class in (forms.Field, forms.ChoiceField, forms.ModelChoiceField):
        for code, message in field_class.default_error_messages.items():
            found.setdefault(code, []).append(message)
    return {code: tuple(messages) for code, messages in found.items()}


_DJANGO_DEFAULTS = _django_defaults()
