"""Importing returns from a workbook: preview, then apply all or nothing.

:func:`preview_import` keeps the upload as sent (:class:`ReturnImport`: the bytes,
their sha256, the file's name) with a summary of what it would do — per school new,
changed or unchanged and the figures that change, every error and warning with its
sheet, row and column — and touches no return. :func:`apply_import` reads the kept
file again, checks it again against the returns as they are now, and refuses (nothing
changed) when a return moved since the preview; else, in one transaction, it sets
every new or changed school's figures through :func:`services.return_import` (a draft
made where there was none, the batch and cells kept as the figures' provenance,
audited) and marks the batch applied. Imported returns are not submitted: the school
explains the warnings and submits. :func:`discard_import` drops a preview.

Who: a school's own accounts (not read-only) import their school's template; the
statistics department of a bureau its own bureau's schools
(:func:`services.schools_importable_by`). A batch is seen by its bureau's accounts
and, for a school's template, by that school's accounts (``ReturnImport.objects.visible_to``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.concurrency import UNCHECKED, EditConflict, LoadedVersion, version_token
from edubureau.core.workbook import WorkbookError
from edubureau.orgs.models import Role, School
from edubureau.orgs.scoping import bureau_id_of, is_department_staff
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats import excel, services
from edubureau.stats.dictionary import FIELDS
from edubureau.stats.models import STATS_DEPARTMENT, ImportStatus, ReturnImport, StatReturn

# The database is asked about the schools of a file in chunks of this many.
CHUNK = 2000
NAME_LENGTH = 255


class ImportRefused(services.ReturnError):
    """The import cannot go ahead; the message (Chinese) says why, nothing changed."""


@dataclass(frozen=True)
class Upload:
    """The file as sent: its name and bytes (a Django ``UploadedFile`` has both)."""

    name: str
    data: bytes


def can_import(user: Any, school: School | None = None) -> bool:
    """``user`` may upload ``school``'s template, or (no school) a bureau's workbook."""
    if school is not None:
        return services.can_fill_school(user, school)
    return is_department_staff(user, STATS_DEPARTMENT)


def can_act(user: Any, batch: ReturnImport) -> bool:
    """``user`` may apply or discard ``batch``: who may upload it."""
    if batch.school_id is not None:
        return can_import(user, batch.school)
    return can_import(user) and user.bureau_id == batch.bureau_id


def _school_infos(actor: Any, year: int, identifiers: Iterable[str]) -> dict[str, excel.SchoolInfo]:
    """What the reader must know of the schools named: every school of those
    identifiers, whether ``actor`` may import it, and its return of ``year`` and last
    year's closed figures (the rules' year-over-year comparison)."""
    wanted = sorted(identifiers)
    schools: list[tuple[int, str, str, str]] = []
    importable: set[int] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        schools += School.objects.filter(identifier__in=chunk).values_list(
            "pk", "identifier", "name", "kind"
        )
        importable.update(
            services.schools_importable_by(actor, year)
            .filter(identifier__in=chunk)
            .values_list("pk", flat=True)
        )
    ids = sorted(importable)
    current: dict[int, StatReturn] = {}
    previous: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk_ids = ids[start : start + CHUNK]
        for ret in StatReturn.objects.of_year(year).filter(school_id__in=chunk_ids):
            current[ret.school_id] = ret
        for ret in StatReturn.objects.closed().of_year(year - 1).filter(school_id__in=chunk_ids):
            previous[ret.school_id] = dict(ret.values)
    infos = {}
    for pk, identifier, name, kind in schools:
        ret = current.get(pk)
        infos[identifier] = excel.SchoolInfo(
            pk=pk,
            identifier=identifier,
            name=name,
            kind=kind,
            importable=pk in importable,
            status=ret.status if ret is not None else "",
            status_label=ret.get_status_display() if ret is not None else "",
            version=version_token(ret) if ret is not None else "",
            values=dict(ret.values) if ret is not None else {},
            kg_category=ret.kg_category if ret is not None else "",
            previous=previous.get(pk),
        )
    return infos


def read_upload(
    actor: Any, year: int, data: bytes, filename: str, school_id: int | None
) -> excel.Checked:
    """Everything the preview does but store: parse, look the schools up, check."""
    parsed = excel.parse_returns(data, filename, year=year)
    infos = _school_infos(actor, year, parsed.identifiers())
    return excel.check_returns(parsed, year=year, schools=infos, only_school=school_id)


def _summary(year: int, checked: excel.Checked) -> dict[str, Any]:
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    schools = []
    for figures in checked.schools:
        counts[figures.action] += 1
        info = figures.info
        schools.append(
            {
                "id": info.pk,
                "identifier": info.identifier,
                "name": info.name,
                "action": figures.action,
                "status": info.status_label,
                "version": info.version,
                "changes": [
                    [_label(code), before, after] for code, before, after in figures.changes
                ],
            }
        )
    return {
        "year": year,
        "counts": counts,
        "schools": schools,
        "errors": excel.cell_errors_as_dicts(checked.errors),
        "warnings": excel.cell_errors_as_dicts(checked.warnings),
    }


def _label(code: str) -> str:
    if code == excel.KG_CATEGORY:
        return excel.KG_CATEGORY
    return FIELDS[code].full_label


def preview_import(
    actor: Any, year: int, upload: Any, school: School | None = None
) -> ReturnImport:
    """Keep ``upload`` (a file with ``name`` and ``read()``, or :class:`Upload`) as a
    batch of census ``year`` with what it would do; no return is touched. ``school``:
    a school's own template, else a bureau's workbook. A file that cannot be read at
    all raises ``WorkbookError`` (nothing kept)."""
    if not can_import(actor, school):
        raise NotAllowed(
            "只有本校（非只读）用户可以导入本校的统计报表"
            if school is not None
            else "只有负责统计的股室工作人员可以导入本局学校的统计报表"
        )
    data = upload.data if isinstance(upload, Upload) else upload.read()
    filename = str(upload.name or "upload.xlsx")[:NAME_LENGTH]
    checked = read_upload(actor, year, data, filename, school.pk if school else None)
    batch = ReturnImport.objects.create(
        bureau_id=school.bureau_id if school is not None else bureau_id_of(actor),
        school=school,
        year=year,
        actor=actor,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        summary=_summary(year, checked),
    )
    counts = batch.summary["counts"]
    audit_log(
        actor=actor,
        action=Action.IMPORT,
        obj=batch,
        changes={"filename": [None, filename], "sha256": [None, batch.sha256]},
        detail=(
            f"上传{year}年统计报表（预览）：新增{counts['new']}、修改{counts['changed']}、"
            f"未变{counts['unchanged']}，错误{len(checked.errors)}处"
        ),
    )
    return batch


def _batch_for_action(actor: Any, batch_id: int) -> ReturnImport:
    batch = (
        ReturnImport.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("school")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None or not can_act(actor, batch):
        raise NotAllowed("您不能处理该导入")
    if batch.status != ImportStatus.PREVIEWED:
        raise ImportRefused(f"该导入{batch.get_status_display()}，不能再次处理")
    return batch


@transaction.atomic
def apply_import(actor: Any, batch_id: int, *, loaded: LoadedVersion = UNCHECKED) -> ReturnImport:
    """Apply a previewed batch, all or nothing. ``loaded``: the file's sha256 as the
    confirming page showed it. Refused (``ImportRefused``, nothing changed) when the
    file now has errors or a return changed since the preview."""
    batch = _batch_for_action(actor, batch_id)
    if loaded is not UNCHECKED and loaded != batch.sha256:
        raise EditConflict("确认的文件与预览的文件不一致，请重新打开预览页面后再确认。")
    if batch.summary.get("errors"):
        raise ImportRefused("预览发现错误的文件不能导入，请修改后重新上传。")
    try:
        checked = read_upload(actor, batch.year, bytes(batch.data), batch.filename, batch.school_id)
    except WorkbookError as exc:
        raise ImportRefused(f"文件无法读取：{exc}") from exc
    if checked.errors:
        raise ImportRefused(
            f"文件有{len(checked.errors)}处错误（可能是预览后报表状态已变），未导入，请重新上传预览。"
        )
    seen = {entry["id"]: entry["version"] for entry in batch.summary.get("schools", [])}
    moved = [
        f.info.name
        for f in checked.schools
        if f.info.pk not in seen or seen[f.info.pk] != f.info.version
    ]
    if moved:
        shown = "、".join(moved[:10]) + ("等" if len(moved) > 10 else "")
        raise ImportRefused(
            f"预览后以下{len(moved)}所学校的统计报表已有变动：{shown}。未导入，请重新上传预览。"
        )
    schools = {
        s.pk: s
        for s in School.objects.filter(
            pk__in=[f.info.pk for f in checked.schools if f.action != "unchanged"]
        )
    }
    done = {"new": 0, "changed": 0, "unchanged": 0}
    for figures in checked.schools:
        done[figures.action] += 1
        if figures.action == "unchanged":
            continue
        services.return_import(
            actor=actor,
            school=schools[figures.info.pk],
            start_year=batch.year,
            values=figures.values,
            kg_category=figures.kg_category,
            batch=batch,
            cells=figures.cells,
            loaded_version=figures.info.version,
        )
    batch.status = ImportStatus.APPLIED
    batch.applied_at = timezone.now()
    batch.summary = {**batch.summary, "applied": done}
    batch.save(update_fields=["status", "applied_at", "summary"])
    audit_log(
        actor=actor,
        action=Action.IMPORT,
        obj=batch,
        changes={"status": [ImportStatus.PREVIEWED.value, ImportStatus.APPLIED.value]},
        detail=f"导入{batch.year}年统计报表：新增{done['new']}、修改{done['changed']}",
    )
    return batch


@transaction.atomic
def discard_import(actor: Any, batch_id: int) -> ReturnImport:
    """Drop a previewed batch; no return was touched."""
    batch = _batch_for_action(actor, batch_id)
    batch.status = ImportStatus.DISCARDED
    batch.save(update_fields=["status"])
    audit_log(
        actor=actor,
        action=Action.UPDATE,
        obj=batch,
        changes={"status": [ImportStatus.PREVIEWED.value, ImportStatus.DISCARDED.value]},
        detail="放弃导入统计报表",
    )
    return batch


def template_rows(actor: Any, year: int, schools: QuerySet[School]) -> list[excel.TemplateRow]:
    """The rows of a workbook for ``schools`` with their returns of ``year`` as
    ``actor`` may read them (the door)."""
    returns = {
        r.school_id: r
        for r in StatReturn.objects.visible_to(actor).of_year(year).filter(school__in=schools)
    }
    rows = []
    for school in schools.order_by("township_id", "identifier"):
        ret = returns.get(school.pk)
        rows.append(
            excel.TemplateRow(
                identifier=school.identifier,
                name=school.name,
                kind=school.kind,
                values=dict(ret.values) if ret is not None else {},
                kg_category=ret.kg_category if ret is not None else "",
            )
        )
    return rows


def template_for(actor: Any, year: int) -> tuple[bytes, str]:
    """The workbook ``actor`` downloads and fills: a school's account its own school's
    template, the statistics department its bureau's schools (active ones); with
    their current figures. Its bytes and file name."""
    if getattr(actor, "role", None) == Role.SCHOOL_USER and actor.school_id:
        school = School.objects.get(pk=actor.school_id)
        rows = template_rows(actor, year, School.objects.filter(pk=school.pk))
        return excel.returns_workbook(year, rows), f"{year}年统计报表-{school.name}.xlsx"
    if can_import(actor):
        schools = services.schools_importable_by(actor, year).filter(is_active=True)
        rows = template_rows(actor, year, schools)
        name = getattr(actor.bureau, "short_name", "") or actor.bureau.name
        return excel.returns_workbook(year, rows), f"{year}年统计报表-{name}.xlsx"
    raise NotAllowed("只有学校用户或负责统计的股室工作人员可以下载统计报表模板")
