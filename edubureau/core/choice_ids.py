"""Posted ids that no database key can hold are invalid choices, not server errors.

Django's ``ModelChoiceField`` and ``ModelMultipleChoiceField`` look a posted value up
in the database as it comes: ``99999999999999999999`` makes SQLite raise
``OverflowError`` and PostgreSQL a ``DataError`` that also aborts the transaction —
a 500 either way, found by the form fuzz (``testing/tests/test_form_fuzz.py``). Every
form of every app uses these two classes, directly or through a ``ModelForm``'s
foreign keys, so the guard is put on them once, at start-up (``CoreConfig.ready``):
a value outside the 64-bit range of an integer key is refused with the field's own
"invalid choice" message before any query runs. The same bound as the query
parameters' (``core.params.MAX_ID``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from edubureau.core.params import MAX_ID


def _key_is_integer(field: forms.ModelChoiceField) -> bool:
    if field.queryset is None:
        return False
    model = field.queryset.model
    key = model._meta.get_field(field.to_field_name) if field.to_field_name else model._meta.pk
    return isinstance(key, (models.IntegerField, models.AutoField))


def _out_of_range(value: Any) -> bool:
    text = str(value).strip()
    if not text.lstrip("+-").isdigit():
        return False  # not a number at all: Django's own lookup refuses it cleanly
    return len(text) > 21 or not -MAX_ID - 1 <= int(text) <= MAX_ID


def _invalid(field: forms.ModelChoiceField, value: Any) -> ValidationError:
    return ValidationError(
        field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
    )


def install() -> None:
    single_to_python = forms.ModelChoiceField.to_python
    # Private in Django's stubs, public enough in Django: every release since 1.8 has it.
    multiple_check = getattr(forms.ModelMultipleChoiceField, "_check_values")  # noqa: B009

    def to_python(self: forms.ModelChoiceField, value: Any) -> Any:
        if value not in self.empty_values and _key_is_integer(self) and _out_of_range(value):
            raise _invalid(self, value)
        return single_to_python(self, value)

    def check_values(self: forms.ModelMultipleChoiceField, value: Any) -> Any:
        if _key_is_integer(self):
            for each in value if isinstance(value, (list, tuple)) else [value]:
                if _out_of_range(each):
                    raise _invalid(self, each)
        return multiple_check(self, value)

    forms.ModelChoiceField.to_python = to_python  # type: ignore[method-assign]
    setattr(forms.ModelMultipleChoiceField, "_check_values", check_values)  # noqa: B010
