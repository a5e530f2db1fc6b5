"""The data dictionary of the annual statistical return (教育事业统计), declared once as
data: every field a return can carry, its Chinese label, unit, level and range, and
which school kinds report which levels. Forms, validation rules, the Excel template
and the indicators all read it; none of them lists fields of its own.

Field codes are ``"<level>.<name>"`` (``"primary.grade3"``, ``"kg.enrolled"``); a
return stores its figures as ``{code: int}`` (``StatReturn.values``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import TextChoices


class Level(TextChoices):
    KG = "kg", "学前教育"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "普通高中"
    VOCATIONAL = "vocational", "中等职业教育"
    SPECIAL = "special", "特殊教育"


# SchoolKind value -> the levels a school of that kind reports. Keys are the values of
# orgs.models.SchoolKind (a test keeps the two in step).
LEVELS_BY_KIND: dict[str, tuple[Level, ...]] = {
    "kindergarten": (Level.KG,),
    "primary": (Level.PRIMARY,),
    "junior": (Level.JUNIOR,),
    "nine_year": (Level.PRIMARY, Level.JUNIOR),
    "complete_secondary": (Level.JUNIOR, Level.SENIOR),
    "senior": (Level.SENIOR,),
    "vocational": (Level.VOCATIONAL,),
    "special": (Level.SPECIAL,),
    "teaching_point": (Level.PRIMARY,),
}

# Number of grades (年级) of each level; a kindergarten's are 小班、中班、大班.
GRADES: dict[Level, int] = {
    Level.KG: 3,
    Level.PRIMARY: 6,
    Level.JUNIOR: 3,
    Level.SENIOR: 3,
    Level.VOCATIONAL: 3,
    Level.SPECIAL: 9,
}

KG_GRADE_NAMES = ("小班", "中班", "大班")
CHINESE_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九")

# Field groups, in the order the form shows them.
GROUP_STUDENTS = "students"
GROUP_FLOWS = "flows"
GROUP_CLASSES = "classes"
GROUP_TEACHERS = "teachers"
GROUP_SPECIAL = "special_groups"
GROUPS: dict[str, str] = {
    GROUP_STUDENTS: "在校生",
    GROUP_FLOWS: "招生、毕业、辍学与转学",
    GROUP_CLASSES: "班级",
    GROUP_TEACHERS: "专任教师",
    GROUP_SPECIAL: "特殊群体",
}

# Levels that report migrant children (随迁子女): compulsory education only.
MIGRANT_LEVELS = (Level.PRIMARY, Level.JUNIOR)


@dataclass(frozen=True)
class FieldSpec:
    code: str
    label: str
    unit: str
    level: Level | None
    minimum: int = 0
    maximum: int | None = None
    group: str = ""

    @property
    def name(self) -> str:
        """The code without its level: ``"grade3"`` of ``"primary.grade3"``."""
        return self.code.split(".", 1)[-1]

    @property
    def full_label(self) -> str:
        """The label with its level, as messages name the field: 小学在校生。"""
        if self.level is None:
            return self.label
        return f"{Level(self.level).label}{self.label}"


def grade_label(level: Level, n: int) -> str:
    if level == Level.KG:
        return f"在园幼儿（{KG_GRADE_NAMES[n - 1]}）"
    return f"在校生（{CHINESE_NUMERALS[n - 1]}年级）"


def _level_fields(level: Level) -> list[FieldSpec]:
    enrolled = "在园幼儿" if level == Level.KG else "在校生"
    people = "人"
    fields = [
        FieldSpec(f"{level}.enrolled", enrolled, people, level, group=GROUP_STUDENTS),
        FieldSpec(
            f"{level}.enrolled_female", f"{enrolled}中女生", people, level, group=GROUP_STUDENTS
        ),
    ]
    fields += [
        FieldSpec(f"{level}.grade{n}", grade_label(level, n), people, level, group=GROUP_STUDENTS)
        for n in range(1, GRADES[level] + 1)
    ]
    fields += [
        FieldSpec(
            f"{level}.entrants",
            "入园幼儿" if level == Level.KG else "招生",
            people,
            level,
            group=GROUP_FLOWS,
        ),
        FieldSpec(
            f"{level}.graduates",
            "离园幼儿" if level == Level.KG else "毕业生",
            people,
            level,
            group=GROUP_FLOWS,
        ),
        FieldSpec(f"{level}.dropouts", "学年内辍学", people, level, group=GROUP_FLOWS),
        FieldSpec(f"{level}.transfers_in", "转入", people, level, group=GROUP_FLOWS),
        FieldSpec(f"{level}.transfers_out", "转出", people, level, group=GROUP_FLOWS),
        FieldSpec(f"{level}.classes", "班数", "个", level, group=GROUP_CLASSES),
        FieldSpec(f"{level}.classes_56_65", "56—65人的班", "个", level, group=GROUP_CLASSES),
        FieldSpec(f"{level}.classes_66", "66人及以上的班", "个", level, group=GROUP_CLASSES),
        FieldSpec(f"{level}.teachers", "专任教师", people, level, group=GROUP_TEACHERS),
        FieldSpec(
            f"{level}.teachers_qualified",
            "学历合格的专任教师",
            people,
            level,
            group=GROUP_TEACHERS,
        ),
        FieldSpec(
            f"{level}.disabled",
            "残疾学生（随班就读、附设班等）",
            people,
            level,
            group=GROUP_SPECIAL,
        ),
    ]
    if level in MIGRANT_LEVELS:
        fields += [
            FieldSpec(f"{level}.migrant", "随迁子女", people, level, group=GROUP_SPECIAL),
            FieldSpec(
                f"{level}.migrant_public",
                "在公办学校（含政府购买学位）就读的随迁子女",
                people,
                level,
                group=GROUP_SPECIAL,
            ),
        ]
    return fields


FIELDS: dict[str, FieldSpec] = {spec.code: spec for level in Level for spec in _level_fields(level)}


def levels_for(kind: str) -> tuple[Level, ...]:
    """The levels a school of ``kind`` reports (none for an unknown kind)."""
    return LEVELS_BY_KIND.get(kind, ())


def fields_for(kind: str) -> list[FieldSpec]:
    """The fields a school of ``kind`` reports, level by level, in dictionary order."""
    levels = set(levels_for(kind))
    return [spec for spec in FIELDS.values() if spec.level in levels]


def field_code(level: Level | str, name: str) -> str:
    return f"{Level(level).value}.{name}"


def final_grade(level: Level | str) -> str:
    """The code of a level's final grade (graduates come from it)."""
    level = Level(level)
    return field_code(level, f"grade{GRADES[level]}")
