"""The tree's administration pages (administrators only; anyone else gets 403,
audited): child bureaus (下级教育局) and their first administrators, moving a school
between the bureaus of the subtree, importing child bureaus and schools."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from edubureau.core import hooks
from edubureau.core.downloads import attachment
from edubureau.core.excel import XLSX_CONTENT_TYPE
from edubureau.orgs import imports as org_imports
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.forms import AdministratorForm, BureauForm, SchoolMoveForm, TreeImportForm
from edubureau.orgs.http import AuthedRequest, administrator_only
from edubureau.orgs.models import Bureau, BureauLevel, Role, School
from edubureau.orgs.scoping import bureau_of
from edubureau.orgs.services import bureaus as services

NOT_ADMINISTRATOR = services.NOT_ADMINISTRATOR


def _form_errors(form: object, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None  # type: ignore[attr-defined]
            for error in errors:
                form.add_error(target, error)  # type: ignore[attr-defined]
    else:
        form.add_error(None, exc)  # type: ignore[attr-defined]


@administrator_only(NOT_ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def bureau_list(request: AuthedRequest) -> HttpResponse:
    """下级教育局: the bureaus one level below, and a form to set up another."""
    bureau = bureau_of(request.user)
    level = services.child_level(bureau)
    form = BureauForm(request.POST or None)
    if request.method == "POST":
        if level is None:
            raise PermissionDenied(services.NO_LEVEL_BELOW)
        if form.is_valid():
            try:
                child = services.bureau_create_child(
                    actor=request.user,
                    parent=bureau,
                    data=services.BureauData(**form.cleaned_data),
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, f"已设立“{child.name}”，请为其设立系统管理员。")
                return redirect("orgs:bureau-admin-create", bureau_id=child.pk)
    children = (
        Bureau.objects.visible_to(request.user)
        .filter(parent=bureau)
        .annotate(
            n_schools=Count("schools", distinct=True),
            n_admins=Count(
                "users",
                filter=Q(users__role=Role.ADMINISTRATOR, users__is_active=True),
                distinct=True,
            ),
        )
        .order_by("region_code", "name")
    )
    return render(
        request,
        "orgs/bureau_list.html",
        {
            "bureau": bureau,
            "children": children,
            "child_level": BureauLevel(level).label if level else "",
            "form": form if level else None,
        },
    )


@administrator_only(NOT_ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def bureau_admin_create(request: AuthedRequest, bureau_id: int) -> HttpResponse:
    """The first (or another) administrator of a child bureau, with a one-time password."""
    child = get_visible_or_404(Bureau, request.user, bureau_id)
    if child.parent_id != request.user.bureau_id:
        raise PermissionDenied("只能为本局的下级教育局设立管理员")
    form = AdministratorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.first_administrator_create(
                actor=request.user, bureau=child, **form.cleaned_data
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return render(
                request,
                "orgs/bureau_admin_result.html",
                {"bureau": child, "account": user, "password": password},
            )
    admins = child.users.filter(role=Role.ADMINISTRATOR).order_by("username")
    return render(
        request, "orgs/bureau_admin_form.html", {"bureau": child, "form": form, "admins": admins}
    )


@administrator_only(NOT_ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def school_move(request: AuthedRequest, school_id: int) -> HttpResponse:
    """学校隶属调整: move a school to another bureau of the administrator's subtree."""
    school = get_visible_or_404(School, request.user, school_id)
    form = SchoolMoveForm(request.POST or None, user=request.user, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.school_move(actor=request.user, school=school, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                f"“{school.name}”已由{transfer.from_bureau.name}调入{transfer.to_bureau.name}。",
            )
            return redirect("orgs:school-detail", school_id=school.pk)
    transfers = school.transfers.select_related(
        "from_bureau", "to_bureau", "from_township", "to_township", "actor"
    ).order_by("-moved_on", "-id")
    return render(
        request,
        "orgs/school_move.html",
        {"school": school, "form": form, "transfers": transfers},
    )


@administrator_only(NOT_ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def bureau_import(request: AuthedRequest) -> HttpResponse:
    """Import child bureaus, their townships and schools from one workbook."""
    form = TreeImportForm(request.POST or None, request.FILES or None)
    answered = hooks.answer_import_form(request, org_imports.TREE, form)
    if isinstance(answered, HttpResponse):
        return answered
    errors = answered
    return render(request, "orgs/bureau_import.html", {"form": form, "errors": errors})


@administrator_only(NOT_ADMINISTRATOR)
def bureau_import_template(request: AuthedRequest) -> HttpResponse:
    content = services.tree_workbook(request.user)
    return attachment(content, content_type=XLSX_CONTENT_TYPE, filename="下级教育局导入模板.xlsx")
