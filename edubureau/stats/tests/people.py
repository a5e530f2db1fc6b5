"""The statistics staff (基础教育股) of the cast's bureaus, made on demand: the
standard cast has only a safety department."""

from __future__ import annotations

from edubureau.orgs.models import Bureau, Department, Role, User
from edubureau.stats.models import STATS_DEPARTMENT
from edubureau.testing.factories import DepartmentFactory, UserFactory


def stats_staff(bureau: Bureau, username: str | None = None) -> User:
    department = Department.objects.filter(bureau=bureau, code=STATS_DEPARTMENT).first()
    if department is None:
        department = DepartmentFactory.create(
            bureau=bureau, code=STATS_DEPARTMENT, name="基础教育股"
        )
    return UserFactory.create(
        bureau=bureau,
        role=Role.DEPARTMENT_STAFF,
        department=department,
        username=username or f"jichu{bureau.pk}",
        full_name="统计员",
    )
