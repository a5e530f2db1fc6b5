"""Who may write which ledger rows: the scoping door's writers (a school's own
non-read-only users, the assigned inspector, the safety department for its own
bureau's schools); everyone else reads within their scope. The inspector's writes and
the city's reads are in test_door_writes.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import include, path, reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.safety.models import Drill
from edubureau.safety.selectors.ledger_specs import DRILL
from edubureau.safety.services.ledgers import ledger_create
from edubureau.safety.tests.factories_ledgers import DrillFactory, xlsx
from edubureau.testing.isolation import check_isolation, iter_routes

DRILL_POST = {"held_on": "2026-03-12", "kind": "fire", "participants": "500"}


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 16, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


def test_it_refuses_a_school_user_recording_for_another_school(cast, client_for):
    response = client_for(cast.school_a_officer).post(
        reverse("safety:drill-create"), DRILL_POST | {"school": cast.school_b.pk}
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Drill.objects.exists()


def test_it_refuses_in_the_service_a_school_outside_the_users_reach(cast):
    with pytest.raises(PermissionDenied):
        ledger_create(
            actor=cast.school_a_officer,
            spec=DRILL,
            data={
                "school": cast.school_b,
                "held_on": datetime(2026, 3, 1).date(),
                "kind": "fire",
                "participants": 10,
            },
        )
    assert not Drill.objects.exists()


def test_it_refuses_safety_staffs_choice_of_another_bureaus_school(cast, client_for):
    response = client_for(cast.safety_staff).post(
        reverse("safety:drill-create"), DRILL_POST | {"school": cast.other_school.pk}
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Drill.objects.exists()


def test_it_refuses_an_import_for_another_school(cast, client_for):
    upload = xlsx(
        ["学校标识码", "演练日期", "演练类型", "参与人数"],
        [[cast.school_b.identifier, "2026-03-10", "消防疏散", 300]],
    )
    response = client_for(cast.school_a_officer).post(
        reverse("safety:drill-import"), {"file": upload}
    )
    assert "不存在或您无权填报该学校" in response.context["errors"][0]
    assert not Drill.objects.exists()


def test_it_hides_another_schools_row_from_a_school_user(cast, client_for):
    drill = DrillFactory(school=cast.school_b)
    client = client_for(cast.school_a_officer)
    for name in ("edit", "delete"):
        url = reverse(f"safety:drill-{name}", kwargs={"drill_id": drill.pk})
        assert client.get(url).status_code == 404
        assert client.post(url, DRILL_POST).status_code == 404
    assert Drill.objects.filter(pk=drill.pk).exists()
    # Narrowing the list to another school is refused by the scoping door (404, audited).
    listed = client.get(reverse("safety:drill-list"), {"school": cast.school_b.pk})
    assert listed.status_code == 404
    own = client.get(reverse("safety:drill-list"))
    assert own.context["totals"]["count"] == 0


@pytest.mark.parametrize(
    "who", ["school_a_teacher", "office_staff", "leader", "city_leader", "admin"]
)
def test_it_refuses_writes_to_readers(cast, client_for, who):
    drill = DrillFactory(school=cast.school_a, participants=500)
    client = client_for(getattr(cast, who))
    edit = reverse("safety:drill-edit", kwargs={"drill_id": drill.pk})
    delete = reverse("safety:drill-delete", kwargs={"drill_id": drill.pk})
    for method, url in [
        ("get", reverse("safety:drill-create")),
        ("post", reverse("safety:drill-create")),
        ("get", reverse("safety:drill-import")),
        ("get", edit),
        ("post", edit),
        ("post", delete),
    ]:
        response = getattr(client, method)(url, DRILL_POST if method == "post" else None)
        assert response.status_code == 403, (method, url)
    assert Drill.objects.get().participants == 500
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=getattr(cast, who)).exists()


def test_it_lets_readers_read_within_their_scope(cast, client_for):
    DrillFactory(school=cast.school_a)
    DrillFactory(school=cast.school_b)
    url = reverse("safety:drill-list")

    def schools(user):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert response.context["can_write"] is False
        return {row["obj"].school for row in response.context["table"]}

    assert schools(cast.leader) == {cast.school_a, cast.school_b}
    assert schools(cast.office_staff) == {cast.school_a, cast.school_b}
    assert schools(cast.school_a_teacher) == {cast.school_a}
    body = client_for(cast.leader).get(url).content.decode()
    assert "编辑" not in body  # no write links for readers


def test_it_lets_a_read_only_teacher_export_but_not_import(cast, client_for):
    DrillFactory(school=cast.school_a)
    client = client_for(cast.school_a_teacher)
    assert client.get(reverse("safety:drill-export")).status_code == 200
    upload = xlsx(["学校标识码"], [[cast.school_a.identifier]])
    assert client.post(reverse("safety:drill-import"), {"file": upload}).status_code == 403


# The generic isolation check over the ledger routes alone (the project-wide run in
# orgs/tests/test_isolation.py covers them too, alongside every other route). Only
# the walk uses this urlconf; requests go through the project's.
urlpatterns = [path("safety/", include(("edubureau.safety.urls_ledgers", "safety")))]


def test_it_passes_the_isolation_check_on_every_ledger_route(cast):
    names = {r.name for r in iter_routes(__name__)}
    assert len(names) == 1 + 6 * 7 and "safety:drill-edit" in names
    failures = check_isolation(cast, [cast.school_a_officer, cast.inspector], urlconf=__name__)
    assert failures == [], "\n".join(map(str, failures))
