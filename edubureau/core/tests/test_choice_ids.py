"""A posted id that no 64-bit key can hold is an invalid choice, not a 500
(core.choice_ids, installed at start-up for every form of every app)."""

from __future__ import annotations

import pytest
from django import forms

from edubureau.orgs.models import School

pytestmark = pytest.mark.django_db


class PickForm(forms.Form):
    school = forms.ModelChoiceField(queryset=School.objects.all())
    schools = forms.ModelMultipleChoiceField(queryset=School.objects.all(), required=False)


@pytest.mark.parametrize(
    "value", ["99999999999999999999", "9223372036854775808", "-9223372036854775809", "1" * 400]
)
def test_an_id_past_the_keys_is_an_invalid_choice(cast, value):
    one = PickForm({"school": value})
    assert not one.is_valid() and one.errors["school"][0].startswith("选择一个有效的选项")
    many = PickForm({"school": cast.school_a.pk, "schools": [cast.school_b.pk, value]})
    assert not many.is_valid() and "schools" in many.errors


def test_ids_in_range_and_junk_behave_as_before(cast):
    ok = PickForm({"school": str(cast.school_a.pk), "schools": [cast.school_b.pk]})
    assert ok.is_valid(), ok.errors
    assert ok.cleaned_data["school"] == cast.school_a
    assert list(ok.cleaned_data["schools"]) == [cast.school_b]
    assert not PickForm({"school": "9223372036854775807"}).is_valid()  # no such row
    assert not PickForm({"school": "abc"}).is_valid()
