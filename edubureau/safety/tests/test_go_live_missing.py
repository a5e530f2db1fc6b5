"""A school whose bureau went live after a month began owed nothing for that month:
it is not on the 未报送 list, not chased, not counted due on the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from edubureau.orgs.models import School
from edubureau.safety.services.chase import missing_self_inspection_schools

pytestmark = pytest.mark.django_db


def test_months_before_go_live_are_owed_by_nobody(cast, client_for):
    today = timezone.localdate()
    month = today.replace(day=1)
    schools = School.objects.filter(bureau=cast.bureau)
    before = set(missing_self_inspection_schools(schools=schools, period=month))
    assert {cast.school_a, cast.school_b} <= before

    cast.bureau.go_live = month + timedelta(days=1)  # live from the 2nd: this month not owed
    cast.bureau.save()
    assert not missing_self_inspection_schools(schools=schools, period=month).exists()
    next_month = (month + timedelta(days=32)).replace(day=1)
    assert set(missing_self_inspection_schools(schools=schools, period=next_month)) == before

    page = client_for(cast.safety_staff).get(
        reverse("safety:self-inspection-missing"), {"period": f"{month:%Y-%m}"}
    )
    assert page.status_code == 200
    assert cast.school_a.name not in page.text
