"""The shipped default checklist (排查指南): 13 categories, about 90 items."""

from __future__ import annotations

from edubureau.orgs.models import SchoolKind
from edubureau.rectification.models import Severity
from edubureau.safety.models import Checklist, ChecklistItem
from edubureau.safety.services.checklists import checklist_install_default, default_checklist_data
from edubureau.safety.services.inspections import applicable_items

AREAS = [
    "安全管理制度与责任制",
    "安全宣传教育",
    "应急管理",
    "校舍安全",
    "消防安全",
    "校内外活动安全",
    "食品卫生与传染病防控",
    "道路交通安全",
    "校车安全",
    "预防溺水",
    "安全保卫（人防物防技防）",
    "安全管理建档",
    "校园周边环境",
]


def test_it_ships_13_categories_and_85_to_95_items_with_unique_keys():
    data = default_checklist_data()
    assert [c["name"] for c in data["categories"]] == AREAS
    items = [i for c in data["categories"] for i in c["items"]]
    assert 85 <= len(items) <= 95
    keys = [i["key"] for i in items] + [c["key"] for c in data["categories"]]
    assert len(keys) == len(set(keys))
    for item in items:
        assert item["text"] and item["guidance"] and item["basis"], item["key"]
        assert item["severity"] in Severity.values
        assert set(item["applies_to"]) <= set(SchoolKind.values)


def test_it_installs_the_default_checklist_once(cast):
    first = checklist_install_default(bureau=cast.bureau, actor=cast.safety_staff)
    again = checklist_install_default(bureau=cast.bureau)
    assert first == again
    assert (first.version, first.is_current) == (1, True)
    assert Checklist.objects.filter(bureau=cast.bureau).count() == 1
    assert first.categories.count() == 13
    assert first.items.count() == sum(
        len(c["items"]) for c in default_checklist_data()["categories"]
    )
    assert ChecklistItem.objects.filter(
        checklist=first, text="灭火器按规定配置，在有效期内且压力正常"
    ).exists()


def test_it_asks_each_kind_of_school_only_what_applies_to_it(cast):
    checklist = checklist_install_default(bureau=cast.bureau)

    def keys(kind):
        return {i.key for i in applicable_items(checklist, kind)}

    kindergarten, primary, point = keys("kindergarten"), keys("primary"), keys("teaching_point")
    assert "act_lab_chemicals" in primary and "act_lab_chemicals" not in kindergarten
    assert "bld_kg_playground" in kindergarten and "bld_kg_playground" not in primary
    assert "food_samples" in primary and "food_samples" not in point
    assert "edu_bullying" not in kindergarten and "edu_bullying" in primary
    assert (
        "act_training_workshops" in keys("vocational") and "act_training_workshops" not in primary
    )
    assert "fire_extinguishers" in kindergarten & primary & point


def test_it_lets_everyone_in_the_bureau_read_the_checklist(cast, client_for):
    from django.urls import reverse

    checklist_install_default(bureau=cast.bureau)
    for user in (cast.school_a_teacher, cast.leader, cast.inspector):
        page = client_for(user).get(reverse("safety:checklist-current"))
        assert page.status_code == 200
        assert "预防溺水" in page.text and "修改</a>" not in page.text
    page = client_for(cast.safety_staff).get(reverse("safety:checklist-current"))
    assert "修改</a>" in page.text
