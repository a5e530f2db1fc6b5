"""The workbench registry: modules register contributors; the page lists their items
most urgent first, in the modules' fixed order, each key once."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured

from edubureau.core import workbench
from edubureau.core.workbench import DONE, DUE, INFO, OVERDUE, Workbench, WorkItem

DAY = date(2026, 11, 16)


def item(key: str, count: int = 1, urgency: str = INFO) -> WorkItem:
    return WorkItem(key=key, group="测试", label=key, count=count, url="/x/", urgency=urgency)


def test_the_apps_register_their_contributors_in_order():
    names = workbench.contributors()
    assert names[0] == "safety"
    assert names.index("safety") < names.index("stats") < names.index("plans")


def test_items_come_most_urgent_first_then_by_module_then_in_the_modules_order():
    bench = Workbench()
    bench.register(
        "b", lambda user, day: [item("b.info"), item("b.overdue", urgency=OVERDUE)], order=2
    )
    bench.register(
        "a",
        lambda user, day: [item("a.done", 0, DONE), item("a.due", urgency=DUE), item("a.info")],
        order=1,
    )
    keys = [i.key for i in bench.items_for(None, DAY)]
    assert keys == ["b.overdue", "a.due", "a.info", "b.info", "a.done"]


def test_nothing_to_do_is_not_shown_unless_it_is_done():
    bench = Workbench()
    bench.register("a", lambda user, day: [item("a.zero", 0), item("a.done", 0, DONE)], order=1)
    assert [i.key for i in bench.items_for(None, DAY)] == ["a.done"]


def test_a_contributor_gets_the_user_and_the_day():
    seen = []
    bench = Workbench()
    bench.register("a", lambda user, day: seen.append((user, day)) or [], order=1)
    bench.items_for("someone", DAY)
    assert seen == [("someone", DAY)]


def test_a_name_registered_twice_is_refused_unless_it_is_the_same():
    bench = Workbench()

    def fn(user, day):
        return []

    bench.register("a", fn, order=1)
    bench.register("a", fn, order=1)  # ready() run again
    with pytest.raises(ImproperlyConfigured, match="twice"):
        bench.register("a", lambda user, day: [], order=1)
    with pytest.raises(ImproperlyConfigured, match="share order"):
        bench.register("b", fn, order=1)


def test_an_item_key_used_twice_is_refused():
    bench = Workbench()
    bench.register("a", lambda user, day: [item("same")], order=1)
    bench.register("b", lambda user, day: [item("same", 0)], order=2)
    with pytest.raises(ImproperlyConfigured, match="same"):
        bench.items_for(None, DAY)


def test_an_item_says_how_urgent_it_is_in_known_words():
    with pytest.raises(ValueError, match="urgency"):
        item("a", urgency="urgent")
    with pytest.raises(ValueError, match="negative"):
        item("a", count=-1)
