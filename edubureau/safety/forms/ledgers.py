"""One form class for every ledger, built from the ledger's spec and model fields.

The form checks types only; the ledger rules (signed ≤ due, plate format, dates
not in the future, …) live in the service, so a form and an imported row get
the same message."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db import models

from edubureau.core.concurrency import version_token
from edubureau.core.forms import ImportFileForm, model_choices
from edubureau.orgs.models import SchoolYear, User
from edubureau.orgs.scoping import schools_writable_by
from edubureau.orgs.selectors import current_school_year
from edubureau.safety.models.ledgers import LedgerBase
from edubureau.safety.selectors.ledger_specs import LedgerSpec

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LedgerForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        spec: LedgerSpec,
        user: User,
        today: date,
        instance: LedgerBase | None = None,
        school_id: int | None = None,
    ) -> None:
        names = ["school", *spec.fields]
        initial: dict[str, Any] = {}
        if instance is not None:
            initial = forms.model_to_dict(instance, fields=names)
            initial["version"] = version_token(instance)
        super().__init__(data, initial=initial)
        self.spec = spec
        self.fields.update(
            forms.fields_for_model(
                spec.model,
                fields=names,
                labels={"school": "学校", "school_year": "学年"},
                widgets={
                    n: DATE_WIDGET for n in names if isinstance(spec.field(n), models.DateField)
                },
            )
        )
        self.fields["version"] = self.fields.pop("version")  # hidden, last
        school = self.fields["school"]
        assert isinstance(school, forms.ModelChoiceField)
        writable = schools_writable_by(user, owner=spec.model.owner_department_code)
        if instance is not None:
            # A record stays with its school; move it by deleting and re-entering.
            school.queryset = writable.filter(pk=instance.school_id)
            school.disabled = True
        else:
            school.queryset = writable.filter(is_active=True)
            only = list(school.queryset[:2])
            if len(only) == 1:
                # A school's own user: one choice, preselected; any other school
                # posted is refused as an invalid choice.
                school.initial, school.empty_label = only[0].pk, None
            elif school_id is not None:
                school.initial = school_id
        if "school_year" in self.fields:
            years = model_choices(self, "school_year")
            years.queryset = SchoolYear.objects.visible_to(user)
            if instance is None:
                current = current_school_year(user=user, today=today)
                years.initial = current.pk if current else None

    def values(self) -> dict[str, Any]:
        """Cleaned model values, without the version token."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class LedgerImportForm(ImportFileForm):
    pass
