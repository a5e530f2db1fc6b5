"""The standard cast of every test (STYLE.md, HC): one bureau with two schools,
one user per role, and a second bureau to prove tenant isolation.

School B's name carries a marker string so that a leak of any of its rows into
a response body can be detected by a plain substring search.
"""

from __future__ import annotations

from dataclasses import dataclass

from edubureau.orgs.models import (
    Bureau,
    Department,
    Locality,
    Role,
    School,
    SchoolKind,
    SchoolPosition,
    Township,
    User,
)
from edubureau.testing.factories import (
    BureauFactory,
    DepartmentFactory,
    SchoolFactory,
    TownshipFactory,
    UserFactory,
)

SCHOOL_B_MARKER = "乙校保密标记"


@dataclass
class Cast:
    bureau: Bureau
    office: Department
    safety_dept: Department
    township_a: Township
    township_b: Township
    school_a: School
    school_b: School
    leader: User
    safety_staff: User
    office_staff: User
    school_a_officer: User
    school_a_principal: User
    school_a_teacher: User
    school_b_officer: User
    inspector: User
    admin: User
    other_bureau: Bureau
    other_school: School
    other_admin: User


def make_cast() -> Cast:
    bureau = BureauFactory.create(name="甲县教育局", short_name="甲县教育局", issuer_code="甲教发")
    office = DepartmentFactory.create(bureau=bureau, name="办公室", code="office")
    safety = DepartmentFactory.create(bureau=bureau, name="安全股", code="safety")
    township_a = TownshipFactory.create(bureau=bureau, name="甲镇")
    township_b = TownshipFactory.create(bureau=bureau, name="乙镇")
    school_a = SchoolFactory.create(
        bureau=bureau, township=township_a, name="甲镇中心小学", identifier="5109210001"
    )
    school_b = SchoolFactory.create(
        bureau=bureau,
        township=township_b,
        name=f"乙镇中学{SCHOOL_B_MARKER}",
        identifier="5109210002",
        kind=SchoolKind.JUNIOR,
        locality=Locality.RURAL,
        principal="李乙校长",
    )
    inspector = UserFactory.create(
        bureau=bureau, username="inspector", role=Role.INSPECTOR, full_name="督学王"
    )
    inspector.assigned_schools.add(school_a)
    other_bureau = BureauFactory.create(name="丙县教育局", issuer_code="丙教发")
    other_township = TownshipFactory.create(bureau=other_bureau, name="丙镇")
    other_school = SchoolFactory.create(
        bureau=other_bureau,
        township=other_township,
        name="丙镇小学外局标记",
        identifier="5109990001",
    )

    def school_user(username: str, school: School, position: str, read_only: bool = False) -> User:
        return UserFactory.create(
            bureau=bureau,
            username=username,
            role=Role.SCHOOL_USER,
            school=school,
            school_position=position,
            read_only=read_only,
        )

    return Cast(
        bureau=bureau,
        office=office,
        safety_dept=safety,
        township_a=township_a,
        township_b=township_b,
        school_a=school_a,
        school_b=school_b,
        leader=UserFactory.create(bureau=bureau, username="leader", role=Role.BUREAU_LEADER),
        safety_staff=UserFactory.create(
            bureau=bureau, username="safety", role=Role.DEPARTMENT_STAFF, department=safety
        ),
        office_staff=UserFactory.create(
            bureau=bureau, username="office", role=Role.DEPARTMENT_STAFF, department=office
        ),
        school_a_officer=school_user("a_officer", school_a, SchoolPosition.SAFETY_OFFICER),
        school_a_principal=school_user("a_principal", school_a, SchoolPosition.PRINCIPAL),
        school_a_teacher=school_user("a_teacher", school_a, SchoolPosition.STAFF, read_only=True),
        school_b_officer=school_user("b_officer", school_b, SchoolPosition.SAFETY_OFFICER),
        inspector=inspector,
        admin=UserFactory.create(bureau=bureau, username="admin", role=Role.ADMINISTRATOR),
        other_bureau=other_bureau,
        other_school=other_school,
        other_admin=UserFactory.create(
            bureau=other_bureau, username="other_admin", role=Role.ADMINISTRATOR
        ),
    )
