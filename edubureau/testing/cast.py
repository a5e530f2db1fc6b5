"""The standard cast of every test (STYLE.md, HC).

The tree::

    测试省教育厅 (province: province_leader, province_safety)
    ├── 甲市教育局 (city: city_leader, city_safety, city_admin; 市直 school city_school)
    │   ├── 甲县教育局 (``bureau``: every county role, schools A and B, township staff)
    │   └── 乙县教育局 (``sibling_bureau``: sibling_school, sibling_admin, sibling_safety)
    └── 丙市教育局 (``other_city``)
        └── 丙县教育局 (``other_bureau``: other_school, other_admin)

School B's name, and every school outside 甲县 and 甲市, carries a marker string,
so that a leak of any of its rows into a response body can be detected by a
plain substring search.
"""

from __future__ import annotations

from dataclasses import dataclass

from edubureau.orgs.models import (
    Bureau,
    BureauLevel,
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
SIBLING_MARKER = "邻县保密标记"
CITY_SCHOOL_MARKER = "市直保密标记"


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
    province: Bureau
    city: Bureau
    other_city: Bureau
    sibling_bureau: Bureau
    city_safety_dept: Department
    city_school: School
    sibling_school: School
    province_leader: User
    province_safety: User
    city_leader: User
    city_safety: User
    city_admin: User
    sibling_admin: User
    sibling_safety: User
    township_staff: User
    # 审计管理员 (三员分立): reads the county's audit log, and no school's records.
    auditor: User


def make_cast() -> Cast:
    province = BureauFactory.create(
        name="测试省教育厅", short_name="省教育厅", issuer_code="测教", level=BureauLevel.PROVINCE
    )
    city = BureauFactory.create(
        name="甲市教育局",
        short_name="甲市",
        issuer_code="甲市教",
        level=BureauLevel.CITY,
        parent=province,
        region_code="519900",
    )
    other_city = BureauFactory.create(
        name="丙市教育局", issuer_code="丙市教", level=BureauLevel.CITY, parent=province
    )
    bureau = BureauFactory.create(
        name="甲县教育局",
        short_name="甲县",
        issuer_code="甲教发",
        parent=city,
        region_code="519921",
    )
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
    other_bureau = BureauFactory.create(name="丙县教育局", issuer_code="丙教发", parent=other_city)
    other_township = TownshipFactory.create(bureau=other_bureau, name="丙镇")
    other_school = SchoolFactory.create(
        bureau=other_bureau,
        township=other_township,
        name="丙镇小学外局标记",
        identifier="5109990001",
    )

    sibling = BureauFactory.create(
        name="乙县教育局",
        short_name="乙县",
        issuer_code="乙教发",
        parent=city,
        region_code="519922",
    )
    sibling_safety_dept = DepartmentFactory.create(bureau=sibling, name="安全股", code="safety")
    sibling_school = SchoolFactory.create(
        bureau=sibling,
        township=TownshipFactory.create(bureau=sibling, name="丁镇"),
        name=f"丁镇小学{SIBLING_MARKER}",
        identifier="5109220001",
    )
    city_safety_dept = DepartmentFactory.create(bureau=city, name="安全科", code="safety")
    city_school = SchoolFactory.create(
        bureau=city,
        township=None,
        name=f"甲市第一中学{CITY_SCHOOL_MARKER}",
        identifier="5199000001",
        kind=SchoolKind.SENIOR,
        locality=Locality.URBAN,
    )
    province_safety_dept = DepartmentFactory.create(bureau=province, name="安全处", code="safety")

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
        province=province,
        city=city,
        other_city=other_city,
        sibling_bureau=sibling,
        city_safety_dept=city_safety_dept,
        city_school=city_school,
        sibling_school=sibling_school,
        province_leader=UserFactory.create(
            bureau=province, username="province_leader", role=Role.BUREAU_LEADER
        ),
        province_safety=UserFactory.create(
            bureau=province,
            username="province_safety",
            role=Role.DEPARTMENT_STAFF,
            department=province_safety_dept,
        ),
        city_leader=UserFactory.create(
            bureau=city, username="city_leader", role=Role.BUREAU_LEADER
        ),
        city_safety=UserFactory.create(
            bureau=city,
            username="city_safety",
            role=Role.DEPARTMENT_STAFF,
            department=city_safety_dept,
        ),
        city_admin=UserFactory.create(bureau=city, username="city_admin", role=Role.ADMINISTRATOR),
        sibling_admin=UserFactory.create(
            bureau=sibling, username="sibling_admin", role=Role.ADMINISTRATOR
        ),
        sibling_safety=UserFactory.create(
            bureau=sibling,
            username="sibling_safety",
            role=Role.DEPARTMENT_STAFF,
            department=sibling_safety_dept,
        ),
        township_staff=UserFactory.create(
            bureau=bureau,
            username="township_a_staff",
            role=Role.TOWNSHIP_STAFF,
            township=township_a,
        ),
        auditor=UserFactory.create(bureau=bureau, username="auditor", role=Role.AUDITOR),
    )
