"""Optimistic concurrency under any interleaving of several editors (issue 13): a
hypothesis state machine lets three editors load the same school's edit form and
save it in every order, some with the version they loaded, some with none. Whatever
the order, a save is taken exactly when its editor had loaded the latest version,
every other one is refused with the conflict message, and the stored value is always
the last acknowledged write."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from edubureau.core.concurrency import EditConflict, version_token
from edubureau.orgs.models import School
from edubureau.orgs.services.schools import school_update
from edubureau.testing.factories import SchoolFactory

pytestmark = pytest.mark.django_db

EDITORS = 3
NAMES = st.sampled_from(["第一中学", "第二中学", "实验小学", "城关小学", "中心幼儿园"])


def _machine(cast):
    class Editors(RuleBasedStateMachine):
        @initialize()
        def a_school(self) -> None:
            self.school = SchoolFactory(bureau=cast.bureau)
            self.stored_name = self.school.name  # the last acknowledged write
            self.latest = version_token(self.school)
            self.loaded: dict[int, str | None] = dict.fromkeys(range(EDITORS))

        @rule(editor=st.integers(0, EDITORS - 1))
        def load(self, editor: int) -> None:
            self.loaded[editor] = version_token(School.objects.get(pk=self.school.pk))

        @rule(editor=st.integers(0, EDITORS - 1), name=NAMES, forget=st.booleans())
        def save(self, editor: int, name: str, forget: bool) -> None:
            # An editor who never loaded the form, or whose form came back without its
            # version field, sends no version.
            sent = None if forget else self.loaded[editor]
            name = f"{name}（{self.school.pk}）"  # names are unique within a bureau
            try:
                saved = school_update(
                    actor=cast.admin, school=self.school, data={"name": name}, loaded_version=sent
                )
            except EditConflict as conflict:
                assert sent != self.latest or not sent
                assert "请刷新页面查看最新内容后重新编辑" in str(conflict)
                return
            assert sent == self.latest, "a save from a stale or missing version was taken"
            self.stored_name, self.latest = name, version_token(saved)

        @invariant()
        def the_last_acknowledged_write_is_stored(self) -> None:
            if hasattr(self, "school"):
                assert School.objects.get(pk=self.school.pk).name == self.stored_name

    return Editors


def test_any_interleaving_of_editors_keeps_the_last_acknowledged_write(cast):
    machine = _machine(cast)
    machine.TestCase.settings = settings(
        max_examples=40,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    machine.TestCase().runTest()
