"""The return's lifecycle: a school fills and submits its return; its own bureau's
statistics staff send it back with a comment, accept it and lock it; a leader of that
bureau may unlock a locked return, with a reason. Every step is audited and kept as a
:class:`~edubureau.stats.models.ReturnRound`.

::

    填报中 ──上报──▶ 已上报 ──审核通过──▶ 已审核 ──锁定──▶ 已锁定
      ▲               │                   │                  │
      └──(修改)── 已退回 ◀──退回（意见）──┴──────────────────┘ 解锁（理由，局领导）

Who (the scoping door decides the rows; these functions only add the role):

- **fill and submit**: the school's own accounts that are not read-only
  (``StatReturn.objects.writable_by`` for a school user);
- **review — return, accept, lock**: the staff of the department that owns statistics
  (``STATS_DEPARTMENT``, 基础教育股) of the school's *own* bureau — the door's write rule
  for department staff, with ``owner_department_code``; a city reviews its 市直 schools,
  never a county's (the county does), and reads the rest;
- **unlock**: a leader (局领导) of the school's own bureau. Locking means the figures
  have gone up the tree; reopening them is a decision above the person who locked them
  (four eyes), and the reason stays in the audit log and the rounds;
- bureaus above, township staff and inspectors read only.

Optimistic concurrency: every action takes the version the actor loaded
(``core.concurrency``); a stale one is refused with ``EditConflict``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, TextChoices
from django.urls import reverse
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_change, audit_create, audit_log, snapshot
from edubureau.core.concurrency import (
    UNCHECKED,
    EditConflict,
    LoadedVersion,
    ensure_unchanged,
)
from edubureau.notifications.models import Level as NoticeLevel
from edubureau.notifications.services import notify
from edubureau.orgs import moves
from edubureau.orgs.models import Role, School, SchoolYear, User
from edubureau.orgs.scoping import (
    bureau_id_of,
    is_department_staff,
    school_write_q,
    schools_writable_by,
)
from edubureau.orgs.selectors import school_recipients
from edubureau.rectification.lifecycle import NotAllowed, TransitionError
from edubureau.stats.dictionary import GRADES, Level, field_code, levels_for
from edubureau.stats.models import (
    STATS_DEPARTMENT,
    KgCategory,
    Population,
    ReturnRound,
    ReturnStatus,
    RoundAction,
    StatReturn,
)
from edubureau.stats.rules import Problem, clean_values, parse_value, validate

RETURN_TOPIC = "stats_return"
SUBMITTED_TOPIC = "stats_return_submitted"

# Figures copied into a new draft from last year's return: what rarely changes in a
# year (teachers, classes). Enrolment is only hinted (grade n+1 ≈ last year's grade n).
CARRIED_OVER = ("classes", "teachers", "teachers_qualified")

EDITABLE = (ReturnStatus.DRAFT, ReturnStatus.RETURNED)


class ReturnError(TransitionError):
    """An action the return's state or content does not allow (shown on the page)."""


class ReturnInvalid(ReturnError):
    """A submission refused by the rules: the errors, and the warnings still waiting
    for an explanation."""

    def __init__(
        self, errors: list[Problem], warnings: list[Problem], unexplained: list[Problem]
    ) -> None:
        self.errors = errors
        self.warnings = warnings
        self.unexplained = unexplained
        count = len(errors) + len(unexplained)
        super().__init__(f"报表有{count}处问题，请修改或说明后再上报。")


# Dates -----------------------------------------------------------------------------


def census_year(day: date) -> int:
    """The census year (统计年份) of ``day``: the school year it falls in, whose figures
    are taken as of 1 September."""
    return day.year if day.month >= 9 else day.year - 1


def due_date(start_year: int) -> date:
    """The day returns of the census year are due: ``STATS_DUE_MONTH_DAY`` (month,
    day), default 20 September."""
    month, day = tuple(getattr(settings, "STATS_DUE_MONTH_DAY", (9, 20)))
    return date(start_year, month, day)


def season_closes(start_year: int) -> date:
    """The last day the census year's missing returns are chased on the workbenches:
    ``STATS_SEASON_CLOSES_MONTH_DAY`` (month, day), default 31 December. By then the
    bureau has reported upward, and a reminder until next September would be noise."""
    month, day = tuple(getattr(settings, "STATS_SEASON_CLOSES_MONTH_DAY", (12, 31)))
    return date(start_year, month, day)


def census_date(start_year: int) -> date:
    month, day = tuple(getattr(settings, "STATS_CENSUS_MONTH_DAY", (9, 1)))
    return date(start_year, month, day)


class Timeliness(TextChoices):
    ON_TIME = "on_time", "按时上报"
    LATE = "late", "逾期上报"
    MISSING = "missing", "逾期未报"
    NOT_DUE = "not_due", "未到截止日"


def timeliness(stat_return: StatReturn | None, *, start_year: int, today: date) -> Timeliness:
    """On time / late / missing, judged on the first submission (a return sent back and
    resubmitted keeps its first date)."""
    due = due_date(start_year)
    submitted = stat_return.submitted_at if stat_return is not None else None
    if submitted is None:
        return Timeliness.MISSING if today > due else Timeliness.NOT_DUE
    return Timeliness.ON_TIME if timezone.localdate(submitted) <= due else Timeliness.LATE


# Who -------------------------------------------------------------------------------


def can_fill_school(user: Any, school: School) -> bool:
    """A school's own accounts that are not read-only fill its return."""
    return bool(
        getattr(user, "role", None) == Role.SCHOOL_USER
        and schools_writable_by(user, owner=STATS_DEPARTMENT).filter(pk=school.pk).exists()
    )


def can_fill(user: Any, stat_return: StatReturn) -> bool:
    return bool(
        getattr(user, "role", None) == Role.SCHOOL_USER
        and StatReturn.objects.writable_by(user).filter(pk=stat_return.pk).exists()
    )


def can_review(user: Any, stat_return: StatReturn) -> bool:
    """The statistics department of the school's own bureau (the door's write rule)."""
    return bool(
        is_department_staff(user, STATS_DEPARTMENT)
        and StatReturn.objects.writable_by(user).filter(pk=stat_return.pk).exists()
    )


def can_unlock(user: Any, stat_return: StatReturn) -> bool:
    """A leader of the bureau the return belongs to: the one that held the school when
    the school year began (``StatReturn.objects.with_holder``)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.role == Role.BUREAU_LEADER
        and user.bureau_id is not None
        and StatReturn.objects.with_holder()
        .filter(pk=stat_return.pk, held_by=user.bureau_id)
        .exists()
    )


def is_editable(stat_return: StatReturn) -> bool:
    return stat_return.status in EDITABLE


# Reading ---------------------------------------------------------------------------


def school_year_of(school: School, start_year: int) -> SchoolYear:
    """The school year ``start_year`` of the bureau whose return it is — the one that
    held the school on the census day (a school that moved since files that year's
    return with the bureau it left) — made with the default dates (1 September to
    31 August) when the bureau has not set it up yet."""
    year, _ = SchoolYear.objects.get_or_create(
        bureau_id=moves.bureau_on(school, census_date(start_year)),
        start_year=start_year,
        defaults={
            "starts_on": date(start_year, 9, 1),
            "ends_on": date(start_year + 1, 8, 31),
        },
    )
    return year


def previous_return(stat_return: StatReturn) -> StatReturn | None:
    """Last year's return of the same school, if its bureau accepted or locked it: the
    figures the year-over-year rules compare with."""
    return (
        StatReturn.objects.closed()
        .filter(school_id=stat_return.school_id, school_year__start_year=stat_return.start_year - 1)
        .first()
    )


def previous_values(stat_return: StatReturn) -> dict[str, Any] | None:
    previous = previous_return(stat_return)
    return dict(previous.values) if previous is not None else None


def hints(kind: str, previous: Mapping[str, Any] | None) -> dict[str, int]:
    """What last year's figures suggest for this year's, shown beside the inputs, never
    filled in: grade n+1 ≈ last year's grade n, and last year's value of every field."""
    if not previous:
        return {}
    found = {code: int(v) for code, v in previous.items() if isinstance(v, int)}
    suggested: dict[str, int] = {}
    for level in levels_for(kind):
        for n in range(2, GRADES[level] + 1):
            before = found.get(field_code(level, f"grade{n - 1}"))
            if before is not None:
                suggested[field_code(level, f"grade{n}")] = before
    return {**found, **suggested}


def needs_kg_category(school: School) -> bool:
    return Level.KG in levels_for(school.kind)


def check(stat_return: StatReturn) -> tuple[list[Problem], list[Problem]]:
    """The rules on the return as saved, against last year's closed figures."""
    return validate(stat_return.values, stat_return.school.kind, previous_values(stat_return))


# Filling ---------------------------------------------------------------------------


def return_open(*, actor: Any, school: School, start_year: int) -> StatReturn:
    """The school's return for the census year, started as a draft if there is none:
    classes and teachers carried over from last year's return, and its 幼儿园类别."""
    if not can_fill_school(actor, school):
        raise NotAllowed("只有本校（非只读）用户可以填报本校的统计报表")
    existing = StatReturn.objects.filter(school=school, school_year__start_year=start_year).first()
    if existing is not None:
        return existing
    year = school_year_of(school, start_year)
    last = (
        StatReturn.objects.filter(school=school, school_year__start_year=start_year - 1)
        .order_by("-id")
        .first()
    )
    values: dict[str, int] = {}
    kg_category = ""
    if last is not None:
        carried = {
            field_code(level, name) for level in levels_for(school.kind) for name in CARRIED_OVER
        }
        values = {c: v for c, v in clean_values(last.values, school.kind).items() if c in carried}
        kg_category = last.kg_category if needs_kg_category(school) else ""
    try:
        with transaction.atomic():
            created = StatReturn.objects.create(
                school=school, school_year=year, values=values, kg_category=kg_category
            )
            audit_create(actor=actor, obj=created, detail="开始填报统计报表")
    except IntegrityError:  # a second tab opened it at the same moment
        return StatReturn.objects.get(school=school, school_year=year)
    return created


@dataclass
class Filled:
    """What the school typed: raw figures (strings from the form, numbers from a
    workbook), the kindergarten's category and explanations by warning code."""

    values: Mapping[str, Any]
    kg_category: str = ""
    explanations: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Checked:
    stat_return: StatReturn
    errors: list[Problem]
    warnings: list[Problem]


def _locked(stat_return: StatReturn) -> StatReturn:
    # Lock the return's row only: FOR UPDATE over the joins would also lock the school
    # and the bureau's school-year row, and every submission of the bureau would queue
    # on that one row.
    return (
        StatReturn.objects.select_for_update(of=("self",))
        .select_related("school", "school_year")
        .get(pk=stat_return.pk)
    )


def _apply(locked: StatReturn, filled: Filled) -> None:
    kind = locked.school.kind
    locked.values = clean_values(filled.values, kind)
    if needs_kg_category(locked.school):
        if filled.kg_category and filled.kg_category not in KgCategory.values:
            raise ReturnError("幼儿园类别无效")
        locked.kg_category = filled.kg_category
    else:
        locked.kg_category = ""
    explanations = {
        str(code): str(text).strip()[:1000]
        for code, text in filled.explanations.items()
        if str(text).strip()
    }
    locked.explanations = explanations


def return_save(
    *,
    actor: Any,
    stat_return: StatReturn,
    filled: Filled,
    loaded_version: LoadedVersion = UNCHECKED,
) -> Checked:
    """Save the draft as typed (the whole numbers among it; blanks stay blank) and say
    what the rules find, without refusing: a draft may be incomplete."""
    if not can_fill(actor, stat_return):
        raise NotAllowed("只有本校（非只读）用户可以填报本校的统计报表")
    with transaction.atomic():
        locked = _locked(stat_return)
        if not is_editable(locked):
            raise ReturnError(_not_editable(locked))
        ensure_unchanged(locked, loaded_version, what="统计报表")
        before = snapshot(locked)
        _apply(locked, filled)
        locked.save()
        audit_change(actor=actor, obj=locked, before=before, detail="保存统计报表草稿")
    errors, warnings = check(locked)
    return Checked(locked, errors, warnings)


def return_submit(
    *,
    actor: Any,
    stat_return: StatReturn,
    filled: Filled | None = None,
    loaded_version: LoadedVersion = UNCHECKED,
) -> StatReturn:
    """Save what was typed (if anything) and submit. Refused — and nothing changed —
    while a rule is broken or a warning has no explanation (``ReturnInvalid``), or a
    kindergarten has no category. A submit of a submitted return returns it as it is."""
    if not can_fill(actor, stat_return):
        raise NotAllowed("只有本校（非只读）用户可以上报本校的统计报表")
    with transaction.atomic():
        locked = _locked(stat_return)
        if locked.status == ReturnStatus.SUBMITTED and filled is None:
            return locked  # a retried click
        if not is_editable(locked):
            raise ReturnError(_not_editable(locked))
        ensure_unchanged(locked, loaded_version, what="统计报表")
        before = snapshot(locked)
        if filled is not None:
            _apply(locked, filled)
        errors, warnings = check(locked)
        unexplained = [w for w in warnings if not locked.explanations.get(w.code)]
        if errors or unexplained:
            raise ReturnInvalid(errors, warnings, unexplained)
        if needs_kg_category(locked.school) and not locked.kg_category:
            raise ReturnError("请选择幼儿园类别（公办园、普惠性民办园或其他民办园）")
        # Explanations of warnings that no longer fire are dropped with the warning.
        locked.explanations = {
            w.code: locked.explanations[w.code] for w in warnings if w.code in locked.explanations
        }
        resubmit = locked.status == ReturnStatus.RETURNED
        now = timezone.now()
        locked.status = ReturnStatus.SUBMITTED
        if locked.submitted_at is None:  # timeliness is judged on the first submission
            locked.submitted_at = now
        locked.submitted_by = actor
        locked.save()
        _round(locked, RoundAction.SUBMIT, actor, "重新上报" if resubmit else "")
        detail = "重新上报统计报表（退回后）" if resubmit else "上报统计报表"
        audit_change(actor=actor, obj=locked, before=before, detail=detail)
        _notify_reviewers(locked, resubmit=resubmit)
    return locked


# Importing -------------------------------------------------------------------------


def schools_of_census(user: Any, start_year: int) -> QuerySet[School]:
    """The schools whose returns of census year ``start_year`` ``user`` writes, by the
    door's write rule with each school's bureau on the census day (a school that moved
    since is still its former bureau's for that year: ``StatReturn.objects.writable_by``)."""
    held = moves.holder_on(school_key="pk", bureau_key="bureau_id", day=census_date(start_year))
    return School.objects.annotate(held_by=held).filter(
        school_write_q(user, school_key="pk", bureau_key="held_by", owner=STATS_DEPARTMENT)
    )


def schools_importable_by(user: Any, start_year: int) -> QuerySet[School]:
    """The schools whose returns of the census year ``user`` may set from a workbook: a
    school's own accounts (not read-only) their school, as they fill it
    (:func:`can_fill_school`); the statistics department of a bureau the schools whose
    returns it reviews (:func:`can_review`, :func:`schools_of_census`)."""
    if getattr(user, "role", None) == Role.SCHOOL_USER or is_department_staff(
        user, STATS_DEPARTMENT
    ):
        return schools_of_census(user, start_year)
    return School.objects.none()


def return_import(
    *,
    actor: Any,
    school: School,
    start_year: int,
    values: Mapping[str, Any],
    kg_category: str,
    batch: Any,
    cells: Mapping[str, str],
    loaded_version: LoadedVersion = UNCHECKED,
) -> StatReturn:
    """Set a school's figures of the census year from an imported workbook (``batch``,
    a :class:`~edubureau.stats.models.ReturnImport`), with the cell of each figure.

    The return is made as a draft when there is none (``loaded_version`` "": the
    preview saw none), else it must still be editable (a draft or sent back) and as
    the preview saw it. Its place in the lifecycle does not move: the school explains
    the warnings and submits. A blank ``kg_category`` keeps the one stated before."""
    if not schools_importable_by(actor, start_year).filter(pk=school.pk).exists():
        raise NotAllowed("只能导入本校或本局所属学校的统计报表")
    detail = f"从Excel导入统计报表（{str(getattr(batch, 'filename', ''))[:100]}）"
    with transaction.atomic():
        existing = StatReturn.objects.filter(
            school=school, school_year__start_year=start_year
        ).first()
        if existing is None:
            if loaded_version not in (UNCHECKED, "", None):
                raise EditConflict(f"{school.name}的统计报表已被删除，请重新上传预览。")
            created = StatReturn(school=school, school_year=school_year_of(school, start_year))
            _apply(created, Filled(values=values, kg_category=kg_category))
            created.import_batch = batch
            created.import_cells = dict(cells)
            try:
                with transaction.atomic():
                    created.save()
            except IntegrityError:  # opened in the browser at the same moment
                raise EditConflict(
                    f"{school.name}的统计报表在预览后已开始填报，请重新上传预览。"
                ) from None
            audit_create(actor=actor, obj=created, detail=detail)
            return created
        locked = _locked(existing)
        if not is_editable(locked):
            raise ReturnError(f"{school.name}：{_not_editable(locked)}")
        if loaded_version == "":
            raise EditConflict(f"{school.name}的统计报表在预览后已开始填报，请重新上传预览。")
        ensure_unchanged(locked, loaded_version, what=f"{school.name}的统计报表")
        before = snapshot(locked)
        _apply(
            locked,
            Filled(
                values=values,
                kg_category=kg_category or locked.kg_category,
                explanations=locked.explanations,
            ),
        )
        locked.import_batch = batch
        locked.import_cells = dict(cells)
        locked.save()
        audit_change(actor=actor, obj=locked, before=before, detail=detail)
    return locked


# Review ----------------------------------------------------------------------------


def _review_step(
    *,
    actor: Any,
    stat_return: StatReturn,
    loaded_version: LoadedVersion,
    allowed: tuple[str, ...],
    refusal: str,
) -> tuple[StatReturn, dict[str, Any]]:
    if not can_review(actor, stat_return):
        raise NotAllowed("只有本校所属教育局负责统计的股室工作人员可以审核统计报表")
    locked = _locked(stat_return)
    if locked.status not in allowed:
        raise ReturnError(refusal.format(status=locked.get_status_display()))
    ensure_unchanged(locked, loaded_version, what="统计报表")
    return locked, snapshot(locked)


@transaction.atomic
def return_send_back(
    *,
    actor: Any,
    stat_return: StatReturn,
    comment: str,
    loaded_version: LoadedVersion = UNCHECKED,
) -> StatReturn:
    """Send a submitted (or accepted, not yet locked) return back to the school with a
    comment; the school's users are notified."""
    comment = (comment or "").strip()
    locked, before = _review_step(
        actor=actor,
        stat_return=stat_return,
        loaded_version=loaded_version,
        allowed=(ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED),
        refusal="{status}的报表不能退回",
    )
    if not comment:
        raise ReturnError("请填写退回意见")
    locked.status = ReturnStatus.RETURNED
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = actor
    locked.save()
    _round(locked, RoundAction.RETURN, actor, comment)
    audit_change(actor=actor, obj=locked, before=before, detail=f"退回统计报表：{comment[:200]}")
    _notify_school(locked, title=f"{locked}被退回，请修改后重新上报", body=f"退回意见：{comment}")
    return locked


@transaction.atomic
def return_accept(
    *,
    actor: Any,
    stat_return: StatReturn,
    comment: str = "",
    loaded_version: LoadedVersion = UNCHECKED,
) -> StatReturn:
    locked, before = _review_step(
        actor=actor,
        stat_return=stat_return,
        loaded_version=loaded_version,
        allowed=(ReturnStatus.SUBMITTED,),
        refusal="{status}的报表不能审核",
    )
    locked.status = ReturnStatus.ACCEPTED
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = actor
    locked.save()
    _round(locked, RoundAction.ACCEPT, actor, comment.strip())
    audit_change(actor=actor, obj=locked, before=before, detail="统计报表审核通过")
    return locked


@transaction.atomic
def return_lock(
    *,
    actor: Any,
    stat_return: StatReturn,
    loaded_version: LoadedVersion = UNCHECKED,
) -> StatReturn:
    """Lock an accepted return: its figures count upward and no one changes them."""
    locked, before = _review_step(
        actor=actor,
        stat_return=stat_return,
        loaded_version=loaded_version,
        allowed=(ReturnStatus.ACCEPTED,),
        refusal="只有已审核的报表可以锁定（当前为{status}）",
    )
    locked.status = ReturnStatus.LOCKED
    locked.locked_at = timezone.now()
    locked.locked_by = actor
    locked.save()
    _round(locked, RoundAction.LOCK, actor, "")
    audit_change(actor=actor, obj=locked, before=before, detail="锁定统计报表")
    return locked


@transaction.atomic
def return_unlock(
    *,
    actor: Any,
    stat_return: StatReturn,
    reason: str,
    loaded_version: LoadedVersion = UNCHECKED,
) -> StatReturn:
    """Unlock a locked return and send it back to the school for correction (a leader
    of the school's own bureau, with a reason — audited and kept as a round)."""
    if not can_unlock(actor, stat_return):
        raise NotAllowed("只有本校所属教育局的局领导可以解锁统计报表")
    reason = (reason or "").strip()
    locked = _locked(stat_return)
    if locked.status != ReturnStatus.LOCKED:
        raise ReturnError(f"{locked.get_status_display()}的报表无需解锁")
    ensure_unchanged(locked, loaded_version, what="统计报表")
    if not reason:
        raise ReturnError("请填写解锁理由")
    before = snapshot(locked)
    locked.status = ReturnStatus.RETURNED
    locked.locked_at = None
    locked.locked_by = None
    locked.save()
    _round(locked, RoundAction.UNLOCK, actor, reason)
    audit_change(actor=actor, obj=locked, before=before, detail=f"解锁统计报表：{reason[:200]}")
    _notify_school(locked, title=f"{locked}已解锁，请修改后重新上报", body=f"解锁理由：{reason}")
    return locked


# Helpers ---------------------------------------------------------------------------


def _not_editable(stat_return: StatReturn) -> str:
    if stat_return.status == ReturnStatus.LOCKED:
        return "报表已锁定，不能修改；如需修改，请联系教育局领导解锁。"
    return f"报表{stat_return.get_status_display()}，不能修改；如需修改，请联系教育局退回。"


def _round(stat_return: StatReturn, action: str, actor: Any, comment: str) -> ReturnRound:
    return ReturnRound.objects.create(
        stat_return=stat_return,
        school_id=stat_return.school_id,
        action=action,
        actor=actor,
        comment=comment[:2000],
        values=dict(stat_return.values),
    )


def _notify_reviewers(stat_return: StatReturn, *, resubmit: bool) -> None:
    """Tell the statistics staff of the school's own bureau that a return awaits them."""
    staff = list(
        User.objects.filter(
            bureau_id=stat_return.school.bureau_id,
            role=Role.DEPARTMENT_STAFF,
            department__code=STATS_DEPARTMENT,
            is_active=True,
        )
    )
    if staff:
        verb = "重新上报" if resubmit else "上报"
        school, year = stat_return.school.name, stat_return.start_year
        notify(
            recipients=staff,
            title=f"{school}已{verb}{year}年统计报表，请审核"[:200],
            link=reverse("stats:return-detail", kwargs={"return_id": stat_return.pk}),
            topic=SUBMITTED_TOPIC,
            school_id=stat_return.school_id,
        )


def _notify_school(stat_return: StatReturn, *, title: str, body: str) -> None:
    users = school_recipients(stat_return.school_id)
    if users:
        notify(
            recipients=users,
            title=title[:200],
            body=body,
            link=reverse("stats:return-detail", kwargs={"return_id": stat_return.pk}),
            level=NoticeLevel.WARNING,
            topic=RETURN_TOPIC,
            school_id=stat_return.school_id,
        )


# Population ------------------------------------------------------------------------

POPULATION_AGES = range(0, 26)


def can_edit_population(user: Any) -> bool:
    """The statistics department of a bureau records its own area's population."""
    return is_department_staff(user, STATS_DEPARTMENT)


def population_save(*, actor: Any, year: int, counts: Mapping[int, Any]) -> int:
    """Record the population of the actor's bureau's area by single year of age for a
    census year: ``counts`` {age: count as typed}; a blank removes the age's figure.
    All or nothing: one bad figure and nothing is saved (``ReturnError`` names the
    ages). Returns the number of ages recorded."""
    if not can_edit_population(actor):
        raise NotAllowed("只有负责统计的股室工作人员可以填写分年龄人口")
    bureau_id = bureau_id_of(actor)
    parsed: dict[int, int | None] = {}
    bad: list[str] = []
    for age in POPULATION_AGES:
        try:
            value = parse_value(counts.get(age))
        except (ValueError, ArithmeticError):
            bad.append(f"{age}岁")
            continue
        if value is not None and value < 0:
            bad.append(f"{age}岁")
            continue
        parsed[age] = value
    if bad:
        raise ReturnError(f"人口数应填写不小于0的整数：{'、'.join(bad)}")
    with transaction.atomic():
        existing = {
            p.age: p
            for p in Population.objects.select_for_update().filter(bureau_id=bureau_id, year=year)
        }
        before = {age: p.count for age, p in existing.items()}
        for age, value in parsed.items():
            row = existing.get(age)
            if value is None:
                if row is not None:
                    row.delete()
            elif row is None:
                Population.objects.create(bureau_id=bureau_id, year=year, age=age, count=value)
            elif row.count != value:
                row.count = value
                row.save(update_fields=["count", "updated_at"])
        after = {age: v for age, v in parsed.items() if v is not None}
        if after != before:
            audit_log(
                actor=actor,
                action=Action.UPDATE,
                model_label=Population._meta.label,
                changes={
                    str(a): [before.get(a), after.get(a)]
                    for a in POPULATION_AGES
                    if before.get(a) != after.get(a)
                },
                detail=f"填写{year}年分年龄人口",
            )
    return len(after)
