"""The Excel pages of the returns: download the template (a school's own, or the
bureau's workbook of its schools), upload a filled one, preview what it would do —
new and changed returns, every error as 工作表/行/列/内容/问题, the warnings — then
确认导入 or 放弃. Views parse input and call ``stats.imports``; who may do what is
decided there."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edubureau.core.concurrency import EditConflict
from edubureau.core.downloads import attachment
from edubureau.core.params import param_int
from edubureau.core.workbook import MAX_BYTES, WorkbookError
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.http import AuthedRequest
from edubureau.orgs.models import Role, School
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats import excel, imports, services
from edubureau.stats.models import ImportStatus, ReturnImport

YEARS_OFFERED = 5
# Rows of the preview's tables shown on the page (the summary keeps them all).
SHOWN_ROWS = 500


def _years() -> list[int]:
    current = services.census_year(timezone.localdate())
    return list(range(current, current - YEARS_OFFERED, -1))


def _year(value: str | None) -> int:
    years = _years()
    chosen = param_int(value, minimum=years[-1], maximum=years[0])
    return chosen if chosen is not None else years[0]


class UploadForm(forms.Form):
    year = forms.TypedChoiceField(label="统计年份", coerce=int)
    file = forms.FileField(
        label="Excel文件（.xlsx、.xls或.ods）",
        help_text="请使用本页下载的模板填写；任一单元格有错误时整个文件不导入。",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["year"].choices = [(y, f"{y}年") for y in _years()]  # type: ignore[attr-defined]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"文件超过{MAX_BYTES // (1024 * 1024)}MB，请拆分后导入")
        return upload


def _own_school(request: AuthedRequest) -> School | None:
    user = request.user
    return user.school if user.role == Role.SCHOOL_USER else None


@login_required
@require_GET
def import_template(request: AuthedRequest) -> HttpResponse:
    """The workbook to fill: a school's account gets its school's template, the
    statistics department its bureau's schools, each with the current figures."""
    year = _year(request.GET.get("year"))
    try:
        content, filename = imports.template_for(request.user, year)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    return attachment(content, content_type=excel.XLSX_CONTENT_TYPE, filename=filename)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthedRequest) -> HttpResponse:
    """Upload a filled template: kept and previewed, no return touched yet."""
    user = request.user
    school = _own_school(request)
    if not imports.can_import(user, school):
        raise PermissionDenied("只有本校（非只读）用户或负责统计的股室工作人员可以导入统计报表")
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"year": _year(request.GET.get("year"))},
    )
    file_error = ""
    if request.method == "POST" and form.is_valid():
        try:
            batch = imports.preview_import(
                user, form.cleaned_data["year"], form.cleaned_data["file"], school=school
            )
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except WorkbookError as exc:
            file_error = str(exc)
        else:
            return redirect("stats:import-detail", batch_id=batch.pk)
    context = {
        "form": form,
        "file_error": file_error,
        "school": school,
        "year": _year(request.GET.get("year")),
    }
    return render(request, "stats/import_upload.html", context)


def _batch_or_404(request: AuthedRequest, batch_id: int) -> ReturnImport:
    get_visible_or_404(ReturnImport, request.user, batch_id)  # the door, audited
    return ReturnImport.objects.select_related("school", "actor").get(pk=batch_id)


@login_required
@require_GET
def import_detail(request: AuthedRequest, batch_id: int) -> HttpResponse:
    """The preview: counts, the schools with what changes, every error and warning."""
    batch = _batch_or_404(request, batch_id)
    summary = batch.summary or {}
    schools = [s for s in summary.get("schools", []) if s.get("action") != "unchanged"]
    errors = summary.get("errors", [])
    warnings = summary.get("warnings", [])
    context = {
        "batch": batch,
        "counts": summary.get("counts", {}),
        "schools": schools[:SHOWN_ROWS],
        "more_schools": max(0, len(schools) - SHOWN_ROWS),
        "errors": errors[:SHOWN_ROWS],
        "error_count": len(errors),
        "warnings": warnings[:SHOWN_ROWS],
        "warning_count": len(warnings),
        "can_act": batch.status == ImportStatus.PREVIEWED and imports.can_act(request.user, batch),
    }
    return render(request, "stats/import_detail.html", context)


@login_required
@require_POST
def import_apply(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch = _batch_or_404(request, batch_id)
    try:
        done = imports.apply_import(
            request.user, batch.pk, loaded=request.POST.get("sha256") or None
        )
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except (services.ReturnError, EditConflict) as exc:
        messages.error(request, str(exc))
        return redirect("stats:import-detail", batch_id=batch.pk)
    applied = done.summary.get("applied", {})
    messages.success(
        request,
        f"导入完成：新增{applied.get('new', 0)}份、修改{applied.get('changed', 0)}份报表，"
        f"未变{applied.get('unchanged', 0)}份。导入的报表为草稿，请学校核对、说明变动后上报。",
    )
    return redirect("stats:import-detail", batch_id=batch.pk)


@login_required
@require_POST
def import_discard(request: AuthedRequest, batch_id: int) -> HttpResponse:
    batch = _batch_or_404(request, batch_id)
    try:
        imports.discard_import(request.user, batch.pk)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.ReturnError as exc:
        messages.error(request, str(exc))
        return redirect("stats:import-detail", batch_id=batch.pk)
    messages.info(request, "已放弃本次导入，报表未作任何修改。")
    return redirect("stats:import-upload")
