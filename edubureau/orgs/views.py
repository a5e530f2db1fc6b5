from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core import hooks, workbench
from edubureau.core.calendar import calendar_warnings
from edubureau.core.concurrency import EditConflict, version_token
from edubureau.core.listing import apply_list_query, list_context, read_list_query
from edubureau.core.services import calendar_can_edit
from edubureau.orgs import downloads as org_downloads
from edubureau.orgs import imports as org_imports
from edubureau.orgs import selectors, two_factor
from edubureau.orgs.access import can_write, get_visible_or_404
from edubureau.orgs.forms import LoginForm, PasswordForm, SchoolForm, SchoolImportForm
from edubureau.orgs.http import AuthedRequest
from edubureau.orgs.models import Locality, Ownership, Role, School, SchoolKind, User
from edubureau.orgs.passwords import password_expiry_warning
from edubureau.orgs.scoping import bureau_id_of
from edubureau.orgs.services import schools as school_services
from edubureau.orgs.services.api_tokens import api_tokens_revoke
from edubureau.orgs.services.bureaus import has_bureaus_below, move_targets


class LoginView(auth_views.LoginView):
    """The password step. An account with a second factor is not logged in here: the
    session only remembers who is signing in, and ``views_two_factor.login_verify``
    logs in after the code."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if two_factor.has_device(user):
            two_factor.start_pending(self.request, user, next_url=self.get_success_url())
            return redirect("login-verify")
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    """Logging out also ends the account's API tokens."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if isinstance(request.user, User):
            api_tokens_revoke(user=request.user)
        return super().post(request, *args, **kwargs)


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Every role's workbench (工作台): the modules' to-dos, most urgent first, each
    linking to the list it counts; and the role's own panels below."""
    user = request.user
    warning = password_expiry_warning(user)
    if warning:
        messages.warning(request, warning)
    context: dict[str, Any] = {
        "work_items": workbench.items_for(user, timezone.localdate()),
        "counts_by_kind": [
            {"label": SchoolKind(row["kind"]).label, "n": row["n"], "kind": row["kind"]}
            for row in selectors.school_counts_by_kind(user=user)
        ],
    }
    if user.role == Role.INSPECTOR:
        context["assigned"] = School.objects.visible_to(user).select_related("township")
    if user.role == Role.TOWNSHIP_STAFF:
        context["schools"] = School.objects.visible_to(user).active()
    # Only those who can enter the schedule are asked to (see calendar_can_edit).
    if user.role == Role.ADMINISTRATOR and calendar_can_edit(user):
        context["calendar_warnings"] = calendar_warnings(timezone.localdate())
    if user.role == Role.ADMINISTRATOR and user.bureau is not None:
        context["has_children"] = has_bureaus_below(user)
    return render(request, f"orgs/home_{user.role}.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: AuthedRequest) -> HttpResponse:
    form = PasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        update_session_auth_hash(request, user)
        api_tokens_revoke(user=user)
        audit_log(actor=user, action=Action.PASSWORD_CHANGE, obj=user)
        messages.success(request, "密码已修改。")
        return redirect("home")
    return render(request, "registration/password_change.html", {"form": form})


@login_required
def school_list(request: AuthedRequest) -> HttpResponse:
    listing = read_list_query(selectors.SCHOOL_LIST, request.GET)
    filters = selectors.SchoolFilter.from_params(request.GET)
    schools = selectors.school_list(user=request.user, filters=filters)
    rows = apply_list_query(selectors.SCHOOL_LIST, schools, listing)
    return render(
        request,
        "orgs/school_list.html",
        {
            **list_context(request, selectors.SCHOOL_LIST, rows, listing),
            "filters": filters,
            "townships": selectors.townships_for(request.user),
            "kinds": SchoolKind.choices,
            "ownerships": Ownership.choices,
            "localities": Locality.choices,
            "can_manage": request.user.role == Role.ADMINISTRATOR,
        },
    )


@login_required
def school_export(request: AuthedRequest) -> HttpResponse:
    """The filtered directory as .xlsx, in the layout the import reads back; made in
    the background when it is long (a province has 30,000 schools)."""
    total = org_downloads.school_export_queryset(request.user, request.GET).count()
    return hooks.answer_download(request, org_downloads.SCHOOLS, size=total)


@login_required
def school_detail(request: AuthedRequest, school_id: int) -> HttpResponse:
    school = get_visible_or_404(School, request.user, school_id)
    return render(
        request,
        "orgs/school_detail.html",
        {
            "school": school,
            "can_edit": can_write(request.user, school),
            # An administrator moves schools between the bureaus of their subtree.
            "can_move": request.user.role == Role.ADMINISTRATOR
            and move_targets(request.user).exclude(pk=school.bureau_id).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def school_edit(request: AuthedRequest, school_id: int) -> HttpResponse:
    school = get_visible_or_404(School, request.user, school_id, for_write=True)
    contact_only = request.user.role != Role.ADMINISTRATOR
    form = SchoolForm(
        request.POST or None,
        instance=school,
        bureau_id=school.bureau_id,
        contact_only=contact_only,
        initial={"version": version_token(school)},
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            school_services.school_update(
                actor=request.user,
                school=school,
                data=data,
                loaded_version=form.cleaned_data["version"] or None,
            )
        except EditConflict as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "学校信息已保存。")
            return redirect("orgs:school-detail", school_id=school.pk)
    return render(request, "orgs/school_form.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def school_create(request: AuthedRequest) -> HttpResponse:
    if request.user.role != Role.ADMINISTRATOR:
        raise PermissionDenied("只有系统管理员可以新增学校")
    form = SchoolForm(request.POST or None, bureau_id=bureau_id_of(request.user))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            school = school_services.school_create(actor=request.user, data=data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"已新增学校“{school.name}”。")
            return redirect("orgs:school-detail", school_id=school.pk)
    return render(request, "orgs/school_form.html", {"form": form, "school": None})


@login_required
@require_http_methods(["GET", "POST"])
def school_import(request: AuthedRequest) -> HttpResponse:
    if request.user.role != Role.ADMINISTRATOR:
        raise PermissionDenied(school_services.NOT_IMPORTER)
    form = SchoolImportForm(request.POST or None, request.FILES or None)
    answered = hooks.answer_import_form(request, org_imports.SCHOOLS, form)
    if isinstance(answered, HttpResponse):
        return answered
    errors = answered
    return render(request, "orgs/school_import.html", {"form": form, "errors": errors})
