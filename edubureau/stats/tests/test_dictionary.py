from edubureau.orgs.models import SchoolKind
from edubureau.stats.dictionary import (
    FIELDS,
    GRADES,
    LEVELS_BY_KIND,
    FieldSpec,
    Level,
    fields_for,
    final_grade,
)


def test_every_school_kind_has_its_levels():
    assert set(LEVELS_BY_KIND) == set(SchoolKind.values)
    assert LEVELS_BY_KIND["nine_year"] == (Level.PRIMARY, Level.JUNIOR)
    assert LEVELS_BY_KIND["complete_secondary"] == (Level.JUNIOR, Level.SENIOR)
    assert LEVELS_BY_KIND["teaching_point"] == (Level.PRIMARY,)


def test_each_level_has_its_grades_and_totals():
    for level in Level:
        grades = [c for c in FIELDS if c.startswith(f"{level.value}.grade")]
        assert len(grades) == GRADES[level]
        for name in ("enrolled", "enrolled_female", "entrants", "graduates", "dropouts",
                     "transfers_in", "transfers_out", "classes", "classes_56_65", "classes_66",
                     "teachers", "teachers_qualified", "disabled"):  # fmt: skip
            assert f"{level.value}.{name}" in FIELDS
    assert "primary.migrant_public" in FIELDS and "junior.migrant" in FIELDS
    assert "senior.migrant" not in FIELDS and "kg.migrant" not in FIELDS
    assert final_grade(Level.PRIMARY) == "primary.grade6"
    assert final_grade("special") == "special.grade9"


def test_fields_follow_the_kind():
    codes = [f.code for f in fields_for("nine_year")]
    assert codes[0] == "primary.enrolled"
    assert {c.split(".")[0] for c in codes} == {"primary", "junior"}
    assert all(f.level == Level.KG for f in fields_for("kindergarten"))
    assert fields_for("no_such_kind") == []


def test_labels_are_chinese_and_name_the_level():
    spec = FIELDS["kg.grade1"]
    assert isinstance(spec, FieldSpec)
    assert spec.full_label == "学前教育在园幼儿（小班）"
    assert FIELDS["junior.grade2"].full_label == "初中在校生（二年级）"
    assert FIELDS["primary.classes_66"].unit == "个"
    assert FIELDS["senior.teachers"].unit == "人"
    assert all(spec.minimum == 0 for spec in FIELDS.values())
