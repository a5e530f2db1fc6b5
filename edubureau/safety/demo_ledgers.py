"""The safety demo's ledgers: responsibility letters, emergency plans and drills,
education activities, school buses, canteens, guards and cameras, drawn for the
schools the demo has profiled (``SafetyDemo.profiles``), dated from the demo's
reference date and school years like the rest of the safety demo."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from edubureau.orgs.demo import school_year_start
from edubureau.orgs.demo_plan import PLACE_BASES
from edubureau.orgs.models import Locality, SchoolKind, Semester
from edubureau.safety.demo_data import ACTIVITIES, PLATE_LETTERS
from edubureau.safety.models import (
    Canteen,
    CanteenGrade,
    Drill,
    DrillKind,
    EducationActivity,
    EmergencyPlan,
    LetterTier,
    ResponsibilityLetter,
    SecurityResources,
    Vehicle,
    VehicleKind,
)

if TYPE_CHECKING:
    from edubureau.safety.demo import SafetyDemo


class LedgerDemo:
    """Writes every ledger of the demo county with ``bulk_create``."""

    def __init__(self, demo: SafetyDemo) -> None:
        self.demo = demo
        self.ctx = demo.ctx
        self.rng = demo.rng
        self.today = demo.today
        self.start = demo.start
        self.profiles = demo.profiles
        self._plates: set[str] = set()

    def write_all(self) -> None:
        ctx = self.ctx
        for label, write in (
            ("安全责任书 letters", self.write_letters),
            ("应急预案 plans", self.write_plans),
            ("应急演练 drills", self.write_drills),
            ("安全教育活动 activities", self.write_activities),
            ("校车及学生专车 vehicles", self.write_vehicles),
            ("学校食堂 canteens", self.write_canteens),
            ("人防物防技防 security", self.write_security),
        ):
            with ctx.step(f"安全台账：{label}"):
                write()

    def write_letters(self) -> int:
        # The two latest school years that have begun (the current one and the last).
        years = [y for y in self.ctx.school_years if y.starts_on <= self.today][-2:]
        rows = []
        for year in years:
            fresh = year.start_year == self.today.year and self.today.month >= 9
            for p in self.profiles:
                for tier, due in (
                    (LetterTier.BUREAU_SCHOOL, 1),
                    (LetterTier.SCHOOL_STAFF, p.staff),
                    (LetterTier.SCHOOL_PARENT, p.students),
                ):
                    signed = due
                    if tier == LetterTier.BUREAU_SCHOOL:
                        if fresh and self.rng.random() < 0.02:
                            signed = 0
                    elif self.rng.random() < (0.12 if fresh else 0.05):
                        signed = int(due * self.rng.uniform(0.8, 0.98))
                    signed_on = None
                    if signed:
                        signed_on = min(
                            date(year.start_year, 9, self.rng.randint(1, 28)), self.today
                        )
                    rows.append(
                        ResponsibilityLetter(
                            school=p.school,
                            school_year=year,
                            tier=tier,
                            due_count=due,
                            signed_count=signed,
                            signed_on=signed_on,
                        )
                    )
        ResponsibilityLetter.objects.bulk_create(rows, batch_size=self.ctx.batch_size)
        return len(rows)

    def write_plans(self) -> int:
        # Approved within the three years a plan stands, and by the end of the last
        # September: schools revise their plans at the start of the school year, so a
        # plan that fell due before today was revised then. Only the few drawn below
        # are due within the reminder's 30 days or overdue, as a bureau sees them.
        current = school_year_start(self.today)
        earliest = max(
            date(current - 3, 9, 1),
            self.today.replace(year=self.today.year - 3, day=min(self.today.day, 28))
            + timedelta(days=31),
        )
        latest = min(date(current, 9, 30), self.today)
        span = (latest - earliest).days
        rows = []
        for p in self.profiles:
            plans = [
                ("学校突发公共事件总体应急预案", "综合"),
                ("消防安全应急预案", "消防"),
                ("地震灾害应急疏散预案", "地震"),
            ]
            if p.school.kind != SchoolKind.TEACHING_POINT:
                plans.append(("食品安全事故应急预案", "食品安全"))
            if p.school.locality != Locality.URBAN:
                plans.append(("防汛防地质灾害应急预案", "防汛"))
            if self.rng.random() < 0.7:
                plans.append(("校园防暴反恐应急预案", "防暴"))
            if p.has_vehicles:
                plans.append(("校车安全事故应急预案", "交通"))
            for name, kind in plans:
                approved = earliest + timedelta(days=self.rng.randrange(span))
                review = approved.replace(year=approved.year + 3, day=min(approved.day, 28))
                roll = self.rng.random()
                if roll < 0.04:
                    review = self.today + timedelta(days=self.rng.randint(3, 30))
                elif roll < 0.05:
                    review = self.today - timedelta(days=self.rng.randint(5, 60))
                review = max(review, approved + timedelta(days=30))
                rows.append(
                    EmergencyPlan(
                        school=p.school,
                        name=name,
                        kind=kind,
                        approved_on=approved,
                        review_due=review,
                    )
                )
        EmergencyPlan.objects.bulk_create(rows, batch_size=self.ctx.batch_size)
        return len(rows)

    def semesters(self) -> list[tuple[date, date, bool]]:
        """(first, last day written, is the current one) of the semesters in the range."""
        found = Semester.objects.filter(school_year__bureau=self.ctx.bureau).order_by("starts_on")
        out = []
        for s in found:
            first, last = max(s.starts_on, self.start), min(s.ends_on, self.today)
            if (last - first).days >= 20:
                out.append((first, last, s.starts_on <= self.today <= s.ends_on))
        return out

    def write_drills(self) -> int:
        rows = []
        for first, last, current in self.semesters():
            days = self.demo.working_days_between_dates(first, last)
            full = (last - first).days / 130
            spring = first.month < 8
            for p in self.profiles:
                if current and self.rng.random() < 0.05:
                    continue  # not yet drilled this semester
                n = max(1, round(self.rng.randint(2, 4) * min(full, 1.0)))
                kinds = [DrillKind.FIRE]
                extra = [DrillKind.EARTHQUAKE, DrillKind.INTRUDER, DrillKind.TRAFFIC]
                if spring:
                    extra += [DrillKind.DROWNING, DrillKind.FLOOD]
                if p.school.kind != SchoolKind.TEACHING_POINT:
                    extra.append(DrillKind.FOOD)
                kinds += self.rng.sample(extra, min(n - 1, len(extra)))
                for kind in kinds:
                    everyone = kind in (DrillKind.FIRE, DrillKind.EARTHQUAKE)
                    share = self.rng.uniform(0.92, 1.0) if everyone else self.rng.uniform(0.3, 0.8)
                    rows.append(
                        Drill(
                            school=p.school,
                            held_on=self.rng.choice(days),
                            kind=kind,
                            participants=max(5, int(p.people * share)),
                            duration_minutes=self.rng.randint(8, 25),
                        )
                    )
        Drill.objects.bulk_create(rows, batch_size=self.ctx.batch_size)
        return len(rows)

    def write_activities(self) -> int:
        rows = []
        for year in range(self.start.year, self.today.year + 1):
            for kind, title, (m1, d1), (m2, d2), share in ACTIVITIES:
                first, last = date(year, m1, d1), min(date(year, m2, d2), self.today)
                if first < self.start or first > self.today:
                    continue
                days = self.demo.working_days_between_dates(first, last) or [first]
                for p in self.profiles:
                    if self.rng.random() >= share:
                        continue
                    rows.append(
                        EducationActivity(
                            school=p.school,
                            held_on=self.rng.choice(days),
                            kind=kind,
                            title=title,
                            sessions=max(1, p.students // 45),
                            participants=max(5, int(p.students * self.rng.uniform(0.9, 1.0))),
                        )
                    )
        EducationActivity.objects.bulk_create(rows, batch_size=self.ctx.batch_size)
        return len(rows)

    def write_vehicles(self) -> int:
        rows = []
        today = self.today
        for p in self.profiles:
            if not p.has_vehicles:
                continue
            for _ in range(1 if self.rng.random() < 0.8 else 2):
                young = p.school.kind == SchoolKind.KINDERGARTEN
                bus = young or (p.school.kind == SchoolKind.PRIMARY and self.rng.random() < 0.7)
                expiries = [
                    today + timedelta(days=self.rng.randint(60, 2000)),
                    today + timedelta(days=self.rng.randint(35, 180)),
                    today + timedelta(days=self.rng.randint(35, 360)),
                ]
                roll = self.rng.random()
                if roll < 0.2:
                    expiries[self.rng.randrange(3)] = today + timedelta(
                        days=self.rng.randint(-5, 29)
                    )
                village = self.rng.choice(PLACE_BASES)
                rows.append(
                    Vehicle(
                        school=p.school,
                        kind=VehicleKind.SCHOOL_BUS if bus else VehicleKind.SHUTTLE,
                        plate=self._plate(),
                        seats=self.rng.choice((19, 24, 35) if young else (19, 35, 41, 56)),
                        driver_name=self.demo.person(),
                        driver_licence_expires=expiries[0],
                        inspection_expires=expiries[1],
                        insurance_expires=expiries[2],
                        gps_fitted=self.rng.random() < 0.95,
                        route=f"{p.township}—{village}村—{p.school.name}",
                        operator=(
                            f"{p.township}平安校车服务有限公司" if self.rng.random() < 0.6 else ""
                        ),
                    )
                )
        Vehicle.objects.bulk_create(rows, batch_size=self.ctx.batch_size)
        return len(rows)

    def _plate(self) -> str:
        """A plate unique in the whole demo: in the county demo 川J and five digits; in
        a city or province demo the city's letter, then the last two digits of the
        bureau's division code and three digits (each bureau has its own numbers)."""
        code = self.ctx.bureau.region_code
        tree = self.ctx.scale.name != "county" and len(code) == 6 and code.isdigit()
        while True:
            if tree:
                # 5109 (示例市) gets 川J, as the county demo; each city its own letter.
                letter = PLATE_LETTERS[(int(code[2:4]) - 2) % len(PLATE_LETTERS)]
                plate = f"川{letter}{code[4:6]}{self.rng.randrange(1000):03d}"
            else:
                plate = f"川J{self.rng.randrange(10000, 100000)}"
            if plate not in self._plates:
                self._plates.add(plate)
                return plate

    def write_canteens(self) -> int:
        rows = []
        for p in self.profiles:
            if p.school.kind == SchoolKind.TEACHING_POINT:
                continue
            names = ["学生第一食堂", "学生第二食堂"] if p.students > 1500 else ["学校食堂"]
            if p.school.kind == SchoolKind.KINDERGARTEN:
                names = ["幼儿园食堂"]
            private = p.school.ownership == "private"
            for name in names:
                contracted = self.rng.random() < (0.4 if private else 0.1)
                expires = self.today + timedelta(days=self.rng.randint(60, 1800))
                if self.rng.random() < 0.03:
                    expires = self.today + timedelta(days=self.rng.randint(1, 29))
                rows.append(
                    Canteen(
                        school=p.school,
                        name=name,
                        grade=self.rng.choices(
                            (CanteenGrade.A, CanteenGrade.B, CanteenGrade.C), (55, 40, 5)
                        )[0],
                        licence_no=f"JY{p.school.identifier[1:7]}{self.rng.randrange(10**8):08d}",
                        licence_expires=expires,
                        operation=(
                            Canteen.Operation.CONTRACTED
                            if contracted
                            else Canteen.Operation.SELF_RUN
                        ),
                        contractor=f"{p.township}康源餐饮管理有限公司" if contracted else "",
                    )
                )
        Canteen.objects.bulk_create(rows, batch_size=self.ctx.batch_size)
        return len(rows)

    def write_security(self) -> int:
        guards: dict[str, tuple[int, int]] = {
            SchoolKind.TEACHING_POINT: (0, 1),
            SchoolKind.KINDERGARTEN: (1, 2),
            SchoolKind.PRIMARY: (1, 3),
            SchoolKind.SPECIAL: (1, 3),
        }
        rows = []
        for p in self.profiles:
            low, high = guards.get(p.school.kind, (2, 6))
            cameras = 0 if p.students < 30 else max(4, p.students // 25 + self.rng.randint(0, 12))
            alarm = self.rng.random() < 0.92
            rows.append(
                SecurityResources(
                    school=p.school,
                    guards_full_time=self.rng.randint(low, high) + p.students // 1500,
                    cameras=cameras,
                    key_areas_covered=cameras > 0 and self.rng.random() < 0.9,
                    one_key_alarm=alarm,
                    alarm_linked_to_police=alarm and self.rng.random() < 0.85,
                    anti_collision_barriers=self.rng.random()
                    < (0.4 if p.school.kind == SchoolKind.TEACHING_POINT else 0.85),
                )
            )
        SecurityResources.objects.bulk_create(rows, batch_size=self.ctx.batch_size)
        return len(rows)
