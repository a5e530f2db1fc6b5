"""The bureau's departments (股室) and their leaders in charge: administrators keep
them; everyone else in the bureau is refused (403, audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from edubureau.core.concurrency import EditConflict, version_token
from edubureau.orgs import selectors
from edubureau.orgs.access import get_writable_or_404
from edubureau.orgs.forms import DepartmentForm
from edubureau.orgs.models import Department, User
from edubureau.orgs.services.departments import (
    DepartmentData,
    can_manage_departments,
    department_update,
)


def _admin(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not can_manage_departments(user):
        raise PermissionDenied("只有系统管理员可以管理股室设置")
    return user


@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    return render(
        request,
        "orgs/department_list.html",
        {"departments": selectors.departments_for(user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, department_id: int) -> HttpResponse:
    user = _admin(request)
    department = get_writable_or_404(Department, user, department_id)
    form = DepartmentForm(
        request.POST or None,
        bureau_id=department.bureau_id,
        initial={
            "name": department.name,
            "sort_order": department.sort_order,
            "is_active": department.is_active,
            "leader_in_charge": department.leader_in_charge_id,
            "version": version_token(department),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = DepartmentData(
            name=form.cleaned_data["name"],
            sort_order=form.cleaned_data["sort_order"],
            is_active=form.cleaned_data["is_active"],
            leader_in_charge=form.cleaned_data["leader_in_charge"],
        )
        try:
            department_update(
                actor=user,
                department=department,
                data=data,
                loaded_version=form.cleaned_data["version"] or None,
            )
        except EditConflict as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"股室“{data.name}”已保存。")
            return redirect("orgs:department-list")
    return render(request, "orgs/department_form.html", {"form": form, "department": department})
