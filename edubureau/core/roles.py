"""The roles an account can hold: the one list every layer uses.

It lives in core, below orgs, so that core services (the calendar) and the
scoping door name roles without importing the organisation models.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    BUREAU_LEADER = "bureau_leader", "局领导"
    DEPARTMENT_STAFF = "department_staff", "股室工作人员"
    # 中心校（学区）: the central school of a township reads and chases the schools
    # of its township for the county.
    TOWNSHIP_STAFF = "township_staff", "中心校（学区）工作人员"
    SCHOOL_USER = "school_user", "学校用户"
    INSPECTOR = "inspector", "责任督学"
    ADMINISTRATOR = "administrator", "系统管理员"
    # 三员分立 (等保): the audit log is read by its own role, not by the
    # administrator whose actions it records.
    AUDITOR = "auditor", "审计管理员"


# Roles whose accounts work with schools' records: every role but the audit
# administrator, who reads the audit log only (三员分立) and is not offered the modules.
SCHOOL_WORK_ROLES = frozenset(Role.values) - {Role.AUDITOR}

# Roles that act for a whole bureau (its subtree when reading).
BUREAU_ROLES = frozenset({Role.BUREAU_LEADER, Role.DEPARTMENT_STAFF, Role.ADMINISTRATOR})

# 三员分立: accounts of these roles are created and maintained by the platform operator
# (``edubureau auditor_account``), never by the bureau's account administrator, whose
# actions the audit administrator reviews.
OPERATOR_MANAGED_ROLES = frozenset({Role.AUDITOR})
SEPARATED_ROLE_MESSAGE = (
    "审计管理员账号由平台运维人员创建和管理（三员分立），系统管理员不能设置或修改"
)


def administrator_role_choices() -> list[tuple[str, str]]:
    """The roles an account administrator may give."""
    return [(value, label) for value, label in Role.choices if value not in OPERATOR_MANAGED_ROLES]
