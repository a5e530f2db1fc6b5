"""Statistics demo data: three census years of returns for every demo school, and the
population of every county by single year of age.

Called by ``edubureau demo`` through the contributor extension point of
:mod:`edubureau.orgs.demo`. The returns of a whole tree hang together (a child in
小学一年级 one year is in 二年级 the next; the city's 初中招生 is about its 小学毕业生;
the counties' populations match their enrolment), so every figure is generated at
once, when the top bureau of the tree is built (bureaus are built bottom up; the
lower ones return at once), from ``ctx.rng`` and ``ctx.reference_date`` only.

The model, per *area* (a county, or the 市直/省直 schools of a city or province):

- a cohort size per birth year, falling 3% a year (births have fallen since 2017);
- each level's share of a cohort (学前 90%, 小学 100%, 初中 98.5%, 普高 56%, 中职
  36%), spread over the area's schools of that level by fixed weights (urban schools
  larger, teaching points tiny, private kindergartens smaller); a grade is its
  school's share of its cohort, less a little attrition per grade, with a noise fixed
  per school and cohort — so a cohort keeps its size as it moves up;
- flows from the grades: 招生 is 一年级 (小班), 毕业生 last year's final grade (never
  more than this year's), 辍学 a small share of last year's enrolment, transfers about
  1%; classes from a class size by locality (10% of urban schools run large classes);
  teachers from a pupil–teacher ratio per level, fixed per school; 随迁子女 by
  locality, in public schools or (a share) bought places.

At the **city** scale the tree's 普通高中 and 中职 totals of this census year and the
last are seed 001's (普通高中招生 46608, last year 38307; 在校生 115969 (96117); 中职招生
20800 (16400); 在校生 46268 (37455)), spread over the schools by the same weights —
so the city's 统计公报 writes the seed's sentences.

Statuses: the returns of the two earlier census years are locked. This year's follow
the calendar from the reference date: most schools submit before the due date
(``services.due_date``), about 7% late, 3% not at all; the 基础教育股 reviews within a
few days, sends about 6% back with a comment (most resubmit), and locks what it
accepted 25 days after the due date. The demo school's own return is left unstarted,
so its principal can fill it in the demo. Every step is a ``ReturnRound``; a year-over-
year warning of the rules carries a written explanation, as the school would have
given. Populations: every county records ages 0–25 for the three years, scaled so
the gross ratios are realistic (约 91% 学前, 102% 小学, 101% 初中, 93% 高中阶段),
with the 市直/省直 schools' pupils counted in the counties' populations.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from edubureau.orgs.demo import DemoContext, historical_timestamps
from edubureau.orgs.models import BureauLevel, Locality, Ownership, School, SchoolKind
from edubureau.stats import rules
from edubureau.stats.dictionary import GRADES, MIGRANT_LEVELS, Level, levels_for
from edubureau.stats.models import (
    KgCategory,
    Population,
    ReturnRound,
    ReturnStatus,
    RoundAction,
    StatReturn,
)
from edubureau.stats.services import census_year, due_date

YEARS = 3  # census years written; one more before them is modelled, for the flows

# The age of a level's first grade, and the share of a cohort it enrols.
FIRST_AGE = {
    Level.KG: 3,
    Level.PRIMARY: 6,
    Level.JUNIOR: 12,
    Level.SENIOR: 15,
    Level.VOCATIONAL: 15,
}
SHARE = {
    Level.KG: 0.90,
    Level.PRIMARY: 1.0,
    Level.JUNIOR: 0.985,
    Level.SENIOR: 0.56,
    Level.VOCATIONAL: 0.36,
}
ATTRITION = {
    Level.KG: 0.002,
    Level.PRIMARY: 0.001,
    Level.JUNIOR: 0.006,
    Level.SENIOR: 0.01,
    Level.VOCATIONAL: 0.02,
    Level.SPECIAL: 0.0,
}
DROPOUT_RATE = {
    Level.KG: 0.0,
    Level.PRIMARY: 0.0003,
    Level.JUNIOR: 0.004,
    Level.SENIOR: 0.008,
    Level.VOCATIONAL: 0.02,
    Level.SPECIAL: 0.002,
}
PUPILS_PER_TEACHER = {
    Level.KG: 13.0,
    Level.PRIMARY: 16.0,
    Level.JUNIOR: 12.5,
    Level.SENIOR: 13.0,
    Level.VOCATIONAL: 19.0,
    Level.SPECIAL: 4.0,
}
FEMALE_SHARE = {Level.VOCATIONAL: 0.42, Level.SPECIAL: 0.36}
CLASS_SIZE = {Locality.URBAN: 46, Locality.TOWN: 42, Locality.RURAL: 32}
KG_CLASS_SIZE = 28
SPECIAL_CLASS_SIZE = 10
LARGE_CLASS_SIZE = 58  # the 10% of urban compulsory schools that run large classes
MIGRANT_SHARE = {Locality.URBAN: 0.12, Locality.TOWN: 0.06, Locality.RURAL: 0.01}
BIRTH_TREND = -0.03
PUPILS_PER_PRIMARY_SCHOOL_GRADE = 45

# Gross ratios the counties' populations are scaled to: (ages, levels, ratio).
POPULATION_BANDS: tuple[tuple[tuple[int, int], tuple[Level, ...], float], ...] = (
    ((3, 5), (Level.KG,), 0.91),
    ((6, 11), (Level.PRIMARY,), 1.02),
    ((12, 14), (Level.JUNIOR,), 1.01),
    ((15, 17), (Level.SENIOR, Level.VOCATIONAL), 0.93),
)
MAX_AGE = 25

# Seed 001's city: (entrants, enrolled) this census year and the last; the two
# before are extrapolated back at the growth of the last one.
SEED_001: dict[Level, tuple[tuple[int, int], tuple[int, int]]] = {
    Level.SENIOR: ((46608, 115969), (38307, 96117)),
    Level.VOCATIONAL: ((20800, 46268), (16400, 37455)),
}

SEND_BACK_COMMENTS = (
    "各年级在校生之和与在校生总数不一致，请核对后重新上报。",
    "专任教师数比上年变化较大，请补充情况说明。",
    "随迁子女人数与学籍系统不一致，请核实后重新上报。",
    "毕业生数与上年最高年级在校生差异较大，请核对。",
    "班额数据与学籍系统的班级数不一致，请核实。",
)
EXPLANATIONS = {
    "entrants": ("根据本年度招生计划调整招生规模。", "适龄人口减少，招生相应减少。"),
    "enrolled": ("招生规模扩大，在校生相应增加。", "生源减少，在校生相应减少。"),
    "teachers": ("本年度新招聘专任教师。", "部分教师退休、调出，专任教师减少。"),
}


@dataclass
class SchoolModel:
    school: School
    area: str
    # Per level: the school's share of a cohort (pupils per grade at the base cohort).
    base: dict[Level, float] = field(default_factory=dict)
    teacher_noise: float = 1.0
    large_classes: bool = False
    kg_category: str = ""
    noise: dict[tuple[Level, int], float] = field(default_factory=dict)


def build(ctx: DemoContext) -> None:
    top = ctx.tree[0] if ctx.tree else ctx
    if top.bureau.pk != ctx.bureau.pk:
        return  # the whole tree is written when its top bureau is built (last)
    with ctx.step("教育统计"):
        TreeStats(ctx).write()


class TreeStats:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng: Random = ctx.rng
        self.contexts = ctx.subtree() or [ctx]
        self.current = census_year(ctx.reference_date)
        self.years = list(range(self.current - YEARS + 1, self.current + 1))
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.seeded = ctx.scale.name == "city"
        self.models: list[SchoolModel] = []
        self.cohort: dict[str, float] = {}  # area -> base cohort size
        self.context_of: dict[int, DemoContext] = {}
        for c in self.contexts:
            for school in c.schools:
                self.context_of[school.pk] = c
        self._plan()

    # The plan ---------------------------------------------------------------------

    def _area(self, c: DemoContext) -> str:
        return f"{c.bureau.pk}:{'county' if c.bureau.level == BureauLevel.COUNTY else 'direct'}"

    def _plan(self) -> None:
        rng = self.rng
        weights: dict[tuple[str, Level], float] = defaultdict(float)
        primary_schools: dict[str, int] = defaultdict(int)
        for c in self.contexts:
            area = self._area(c)
            for school in sorted(c.schools, key=lambda s: s.pk):
                model = SchoolModel(school=school, area=area)
                model.teacher_noise = rng.uniform(0.9, 1.1)
                model.large_classes = school.locality == Locality.URBAN and rng.random() < 0.1
                for level in levels_for(school.kind):
                    if level == Level.SPECIAL:
                        model.base[level] = rng.uniform(6, 14)
                        continue
                    w = _weight(school, level) * rng.uniform(0.7, 1.3)
                    model.base[level] = w
                    weights[area, level] += w
                    if level == Level.PRIMARY:
                        primary_schools[area] += 1
                if Level.KG in model.base:
                    model.kg_category = _kg_category(school, rng)
                self.models.append(model)
        for c in self.contexts:
            area = self._area(c)
            self.cohort[area] = PUPILS_PER_PRIMARY_SCHOOL_GRADE * max(primary_schools[area], 4)
        for model in self.models:
            for level, w in model.base.items():
                if level != Level.SPECIAL:
                    model.base[level] = (
                        self.cohort[model.area] * SHARE[level] * w / weights[model.area, level]
                    )

    def _cohort_factor(self, birth_year: int) -> float:
        return float((1 + BIRTH_TREND) ** (birth_year - (self.current - 6)))

    def _grade(self, model: SchoolModel, level: Level, n: int, year: int) -> float:
        if level == Level.SPECIAL:
            return model.base[level] * self._noise(model, level, year - n)
        birth = year - FIRST_AGE[level] - (n - 1)
        return (
            model.base[level]
            * self._cohort_factor(birth)
            * (1 - ATTRITION[level]) ** (n - 1)
            * self._noise(model, level, birth)
        )

    def _noise(self, model: SchoolModel, level: Level, cohort: int) -> float:
        key = (level, cohort)
        if key not in model.noise:
            model.noise[key] = self.rng.uniform(0.93, 1.07)
        return model.noise[key]

    def grades(self) -> dict[tuple[int, Level, int], list[int]]:
        """(school id, level, year) -> the pupils of each grade, for the written years
        and the one before them."""
        out: dict[tuple[int, Level, int], list[int]] = {}
        for year in [self.years[0] - 1, *self.years]:
            for model in self.models:
                for level in model.base:
                    out[model.school.pk, level, year] = [
                        round(self._grade(model, level, n, year))
                        for n in range(1, GRADES[level] + 1)
                    ]
        if self.seeded:
            self._apply_seed(out)
        return out

    def _apply_seed(self, out: dict[tuple[int, Level, int], list[int]]) -> None:
        for level, ((entrants, enrolled), (last_entrants, last_enrolled)) in SEED_001.items():
            holders = [m for m in self.models if level in m.base]
            if not holders:
                continue
            weights = [m.base[level] for m in holders]
            growth = last_entrants / entrants
            totals = {
                self.current: (entrants, enrolled),
                self.current - 1: (last_entrants, last_enrolled),
            }
            for back in range(2, YEARS + 1):
                e, n = totals[self.current - back + 1]
                totals[self.current - back] = (round(e * growth), round(n * growth))
            for year, (e, n) in totals.items():
                older = totals.get(year - 1, (round(e * growth), 0))[0]
                oldest = totals.get(year - 2, (round(older * growth), 0))[0]
                second = round((n - e) * older / (older + oldest))
                per_grade = (e, second, n - e - second)
                for g, total in enumerate(per_grade):
                    for model, share in zip(holders, allocate(total, weights), strict=True):
                        out[model.school.pk, level, year][g] = share

    # The returns -----------------------------------------------------------------

    def write(self) -> None:
        grades = self.grades()
        school_years = {
            (sy.bureau_id, sy.start_year): sy for c in self.contexts for sy in c.school_years
        }
        returns: list[StatReturn] = []
        rounds: list[tuple[StatReturn, list[tuple[str, datetime, Any, str, dict[str, int]]]]] = []
        demo_school = self.ctx.demo_school.pk
        for model in self.models:
            school = model.school
            jichu = self.context_of[school.pk].users.get("jichu")
            previous: dict[str, int] | None = None
            for year in self.years:
                values = self.values(model, year, grades)
                if year == self.current and school.pk == demo_school:
                    break
                sy = school_years.get((school.bureau_id, year))
                if sy is None:
                    break
                errors, warnings = rules.validate(values, school.kind, previous)
                if errors:  # the generator's own bug: fail the build, loudly
                    raise ValueError(f"{school} {year}: {errors[0].message}")
                explanations = {w.code: _explain(w.code, values, previous) for w in warnings}
                timeline = self._timeline(model, year, jichu)
                previous = values
                if timeline is None:
                    continue
                status, steps, stamps = timeline
                made = stamps.get("submitted_at") or self._at(date(year, 9, 2))
                changed = max([made, *(v for k, v in stamps.items() if k.endswith("_at"))])
                ret = StatReturn(
                    school=school,
                    school_year=sy,
                    status=status,
                    values=values,
                    kg_category=model.kg_category,
                    explanations=explanations if status != ReturnStatus.DRAFT else {},
                    created_at=made - timedelta(days=2),
                    updated_at=changed,
                    **stamps,
                )
                returns.append(ret)
                # A round keeps the figures as they stood: the demo's never changed.
                rounds.append((ret, [(a, at, who, c, values) for a, at, who, c, _ in steps]))
        with historical_timestamps(StatReturn, ReturnRound):
            StatReturn.objects.bulk_create(returns, batch_size=self.ctx.batch_size)
            ReturnRound.objects.bulk_create(
                (
                    ReturnRound(
                        stat_return=ret,
                        school_id=ret.school_id,
                        action=action,
                        actor=actor,
                        comment=comment,
                        at=at,
                        values=snapshot,
                    )
                    for ret, steps in rounds
                    for action, at, actor, comment, snapshot in steps
                ),
                batch_size=self.ctx.batch_size,
            )
        self._write_population(grades)

    def values(
        self, model: SchoolModel, year: int, grades: Mapping[tuple[int, Level, int], list[int]]
    ) -> dict[str, int]:
        rng = self.rng
        school = model.school
        out: dict[str, int] = {}
        for level in model.base:
            now = grades[school.pk, level, year]
            before = grades[school.pk, level, year - 1]
            enrolled, enrolled_before = sum(now), sum(before)
            final_before = before[-1]

            def put(name: str, value: int, level: Level = level) -> None:
                out[f"{level.value}.{name}"] = value

            put("enrolled", enrolled)
            put("enrolled_female", _rounded(enrolled * FEMALE_SHARE.get(level, 0.47), rng))
            for n, pupils in enumerate(now, start=1):
                put(f"grade{n}", pupils)
            put("entrants", now[0])
            put("graduates", min(round(final_before * (1 - ATTRITION[level])), now[-1]))
            put("dropouts", min(_rounded(enrolled_before * DROPOUT_RATE[level], rng), enrolled))
            put("transfers_in", _rounded(enrolled * 0.01, rng))
            put("transfers_out", _rounded(enrolled * 0.01, rng))
            classes = large = huge = 0
            size = _class_size(school, level, model.large_classes)
            for pupils in now:
                c, lg, hg = _classes(pupils, size)
                classes, large, huge = classes + c, large + lg, huge + hg
            put("classes", classes)
            put("classes_56_65", large)
            put("classes_66", huge)
            ratio = PUPILS_PER_TEACHER[level] * (
                0.5 if school.kind == SchoolKind.TEACHING_POINT else 1
            )
            teachers = max(1, round(enrolled / ratio * model.teacher_noise)) if enrolled else 0
            put("teachers", teachers)
            put("teachers_qualified", teachers - (1 if teachers and rng.random() < 0.15 else 0))
            disabled = (
                enrolled
                if level == Level.SPECIAL
                else min(
                    _rounded(enrolled * (0.001 if level == Level.KG else 0.003), rng), enrolled
                )
            )
            put("disabled", disabled)
            if level in MIGRANT_LEVELS:
                migrant = _rounded(enrolled * MIGRANT_SHARE[Locality(school.locality)], rng)
                public = school.ownership == Ownership.PUBLIC
                put("migrant", migrant)
                put("migrant_public", migrant if public else _rounded(migrant * 0.15, rng))
        return out

    def _at(self, day: date) -> datetime:
        minutes = self.rng.randrange(8 * 60 + 30, 17 * 60 + 30)
        return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz)

    def _timeline(
        self, model: SchoolModel, year: int, jichu: Any
    ) -> tuple[str, list[tuple[str, datetime, Any, str, dict[str, int]]], dict[str, Any]] | None:
        """The status of a return and its rounds, as the calendar up to the reference
        date left them; None: the school has not started it."""
        rng = self.rng
        census = date(year, 9, 1)
        due = due_date(year)
        today = self.ctx.reference_date
        must_count = self.seeded and bool({Level.SENIOR, Level.VOCATIONAL} & set(model.base))
        draw = rng.random()
        if draw < 0.03 and not must_count and year == self.current:
            return None if rng.random() < 0.5 else (ReturnStatus.DRAFT, [], {})
        late = draw < 0.10 and not must_count
        submitted = (
            due + timedelta(days=rng.randint(1, 20))
            if late
            else census + timedelta(days=rng.randint(3, 18))
        )
        reviewed = submitted + timedelta(days=rng.randint(1, 6))
        if must_count and year == self.current:
            submitted, reviewed = min(submitted, today), min(reviewed, today)
        lock_day = due + timedelta(days=25)
        sent_back = rng.random() < 0.06 and not must_count
        if year == self.current and submitted > today:
            return (ReturnStatus.DRAFT, [], {})
        steps: list[tuple[str, datetime, Any, str, dict[str, int]]] = []
        stamps: dict[str, Any] = {"submitted_at": self._at(submitted)}
        steps.append((RoundAction.SUBMIT, stamps["submitted_at"], None, "", {}))
        if year == self.current and reviewed > today:
            return (ReturnStatus.SUBMITTED, steps, stamps)
        if sent_back:
            steps.append(
                (RoundAction.RETURN, self._at(reviewed), jichu, rng.choice(SEND_BACK_COMMENTS), {})
            )
            again = reviewed + timedelta(days=rng.randint(1, 5))
            if year == self.current and (again > today or rng.random() < 0.3):
                return (ReturnStatus.RETURNED, steps, stamps)
            steps.append((RoundAction.SUBMIT, self._at(again), None, "", {}))
            reviewed = again + timedelta(days=rng.randint(1, 3))
            if year == self.current and reviewed > today:
                return (ReturnStatus.SUBMITTED, steps, stamps)
        stamps["reviewed_at"] = self._at(reviewed)
        stamps["reviewed_by"] = jichu
        steps.append((RoundAction.ACCEPT, stamps["reviewed_at"], jichu, "", {}))
        if year == self.current and (lock_day > today or reviewed > lock_day):
            return (ReturnStatus.ACCEPTED, steps, stamps)
        stamps["locked_at"] = self._at(max(lock_day, reviewed))
        stamps["locked_by"] = jichu
        steps.append((RoundAction.LOCK, stamps["locked_at"], jichu, "", {}))
        return (ReturnStatus.LOCKED, steps, stamps)

    # Population ------------------------------------------------------------------

    def _write_population(self, grades: Mapping[tuple[int, Level, int], list[int]]) -> None:
        counties = [c for c in self.contexts if c.bureau.level == BureauLevel.COUNTY]
        if not counties:
            return
        enrolled: dict[tuple[str, int, int], int] = defaultdict(int)  # (area, year, band)
        for model in self.models:
            for year in self.years:
                for band, (_ages, levels, _ratio) in enumerate(POPULATION_BANDS):
                    for level in levels:
                        if level in model.base:
                            enrolled[model.area, year, band] += sum(
                                grades[model.school.pk, level, year]
                            )
        rows: list[Population] = []
        for county in counties:
            area = self._area(county)
            # The 市直/省直 pupils above this county live in the counties: a share each.
            above = [
                c
                for c in self.contexts
                if c.bureau.level != BureauLevel.COUNTY
                and county.bureau.path.startswith(c.bureau.path)
            ]
            for year in self.years:
                by_age = {
                    age: self.cohort[area] * self._cohort_factor(year - age)
                    for age in range(MAX_AGE + 1)
                }
                for band, ((low, high), _levels, ratio) in enumerate(POPULATION_BANDS):
                    pupils = enrolled[area, year, band] + sum(
                        enrolled[self._area(c), year, band] * self._county_share(c, county)
                        for c in above
                    )
                    wanted = pupils / (ratio * self.rng.uniform(0.98, 1.02))
                    have = sum(by_age[a] for a in range(low, high + 1))
                    for age in range(low, high + 1):
                        by_age[age] *= wanted / have if have else 0
                rows += [
                    Population(bureau=county.bureau, year=year, age=age, count=round(count))
                    for age, count in by_age.items()
                ]
        Population.objects.bulk_create(rows, batch_size=self.ctx.batch_size)

    def _county_share(self, above: DemoContext, county: DemoContext) -> float:
        counties = [
            c
            for c in self.contexts
            if c.bureau.level == BureauLevel.COUNTY and c.bureau.path.startswith(above.bureau.path)
        ]
        total = sum(self.cohort[self._area(c)] for c in counties)
        return self.cohort[self._area(county)] / total if total else 0.0


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` in whole numbers that add up to it
    (largest remainder)."""
    whole = sum(weights)
    if not weights or whole <= 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    shares = [math.floor(x) for x in exact]
    short = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in order[:short]:
        shares[i] += 1
    return shares


def _weight(school: School, level: Level) -> float:
    if school.kind == SchoolKind.TEACHING_POINT:
        return 0.06
    locality = {Locality.URBAN: 2.2, Locality.TOWN: 1.0, Locality.RURAL: 0.45}[
        Locality(school.locality)
    ]
    if level == Level.KG and school.ownership == Ownership.PRIVATE:
        locality *= 0.6
    if level in (Level.SENIOR, Level.VOCATIONAL):
        return 1.0 + locality / 2
    return locality


def _kg_category(school: School, rng: Random) -> str:
    if school.ownership == Ownership.PUBLIC:
        return KgCategory.PUBLIC
    return KgCategory.AFFORDABLE if rng.random() < 0.7 else KgCategory.PRIVATE


def _class_size(school: School, level: Level, large: bool) -> int:
    if level == Level.KG:
        return KG_CLASS_SIZE
    if level == Level.SPECIAL:
        return SPECIAL_CLASS_SIZE
    if large and level in (Level.PRIMARY, Level.JUNIOR):
        return LARGE_CLASS_SIZE
    return CLASS_SIZE[Locality(school.locality)]


def _classes(pupils: int, size: int) -> tuple[int, int, int]:
    """Classes of a grade of ``pupils`` at about ``size`` each, and how many of them
    hold 56–65 and 66 or more (the pupils spread evenly)."""
    if pupils <= 0:
        return 0, 0, 0
    count = max(1, round(pupils / size))
    small, extra = divmod(pupils, count)  # ``extra`` classes of small + 1
    sizes = ((small + 1, extra), (small, count - extra))
    large = sum(n for s, n in sizes if 56 <= s <= 65)
    huge = sum(n for s, n in sizes if s >= 66)
    return count, large, huge


def _rounded(expected: float, rng: Random) -> int:
    """A whole number whose expectation is ``expected`` (random rounding)."""
    whole = math.floor(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def _explain(code: str, values: Mapping[str, int], previous: Mapping[str, int] | None) -> str:
    # code is "change.<level>.<field>"
    _, level, name = code.split(".", 2)
    now = values.get(f"{level}.{name}", 0)
    before = (previous or {}).get(f"{level}.{name}", 0)
    up, down = EXPLANATIONS.get(name, ("本年度情况变化。", "本年度情况变化。"))
    return up if now >= before else down
