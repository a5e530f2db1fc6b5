"""The bureau's departments (股室) and their leaders in charge: administrators keep
them; everyone else in the bureau is refused (403, audited)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from edubureau.core.concurrency import EditConflict, version_token
from edubureau.orgs import selectors
from edubureau.orgs.access import get_writable_or_404
from edubureau.orgs.forms import DepartmentForm
from edubureau.orgs.http import AuthedRequest, administrator_only
from edubureau.orgs.models import Department
from edubureau.orgs.services.departments import (
    NOT_ADMINISTRATOR,
    DepartmentData,
    department_update,
)


@administrator_only(NOT_ADMINISTRATOR)
def department_list(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "orgs/department_list.html",
        {"departments": selectors.departments_for(request.user)},
    )


@administrator_only(NOT_ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def department_edit(request: AuthedRequest, department_id: int) -> HttpResponse:
    user = request.user
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
