"""The population by single year of age: the statistics department records its own
bureau's, all or nothing, audited; other bureau accounts read it; schools do not."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from edubureau.audit.models import AuditEvent
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats import services
from edubureau.stats.models import Population
from edubureau.stats.services import ReturnError
from edubureau.stats.tests.people import stats_staff

pytestmark = pytest.mark.django_db


def test_the_department_records_its_bureaus_population(cast):
    staff = stats_staff(cast.bureau)
    assert services.population_save(actor=staff, year=2026, counts={3: "120", 4: 118.0}) == 2
    assert dict(
        Population.objects.filter(bureau=cast.bureau, year=2026).values_list("age", "count")
    ) == {3: 120, 4: 118}
    # A bad figure: nothing saved, the ages named.
    with pytest.raises(ReturnError, match="5岁、6岁"):
        services.population_save(actor=staff, year=2026, counts={3: 1, 5: "x", 6: -2})
    assert Population.objects.get(bureau=cast.bureau, year=2026, age=3).count == 120
    # A blank removes the age's figure.
    services.population_save(actor=staff, year=2026, counts={3: "121"})
    assert dict(
        Population.objects.filter(bureau=cast.bureau, year=2026).values_list("age", "count")
    ) == {3: 121}
    event = AuditEvent.objects.filter(model_label="stats.Population").order_by("seq").last()
    assert event.detail == "填写2026年分年龄人口" and event.changes["4"] == [118, None]
    for outsider in (cast.leader, cast.safety_staff, cast.school_a_officer):
        with pytest.raises(NotAllowed):
            services.population_save(actor=outsider, year=2026, counts={3: 1})


def test_the_page(cast, client_for):
    staff = stats_staff(cast.bureau)
    client = client_for(staff)
    url = reverse("stats:population")
    current = services.census_year(timezone.localdate())
    response = client.post(url, {"year": current, "age6": "130", "age7": "abc"})
    assert "人口数应填写不小于0的整数：7岁" in response.text
    assert not Population.objects.exists()
    response = client.post(url, {"year": current, "age6": "130"})
    assert response.status_code == 302
    leader_page = client_for(cast.leader).get(url)
    assert leader_page.status_code == 200 and "130人" in leader_page.text
    assert 'data-testid="population-form"' not in leader_page.text
    assert client_for(cast.school_a_officer).get(url).status_code == 403
    # The city sees its own (none), not its counties'.
    assert "130人" not in client_for(cast.city_leader).get(url).text
