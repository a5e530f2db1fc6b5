from __future__ import annotations

import factory

from edubureau.orgs.models import (
    Bureau,
    Department,
    Locality,
    Ownership,
    Role,
    School,
    SchoolKind,
    Township,
    User,
)

TEST_PASSWORD = "Test-Passw0rd!"


class BureauFactory(factory.django.DjangoModelFactory[Bureau]):
    class Meta:
        model = Bureau
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试{n}县教育局")
    short_name = factory.LazyAttribute(lambda o: o.name.replace("教育局", "教育局")[:40])
    issuer_code = "测教发"


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    bureau = factory.SubFactory(BureauFactory)
    name = factory.Sequence(lambda n: f"第{n}股")
    code = factory.Sequence(lambda n: f"dept{n}")


class TownshipFactory(factory.django.DjangoModelFactory[Township]):
    class Meta:
        model = Township

    bureau = factory.SubFactory(BureauFactory)
    name = factory.Sequence(lambda n: f"第{n}镇")


class SchoolFactory(factory.django.DjangoModelFactory[School]):
    class Meta:
        model = School

    bureau = factory.SubFactory(BureauFactory)
    township = factory.SubFactory(TownshipFactory, bureau=factory.SelfAttribute("..bureau"))
    identifier = factory.Sequence(lambda n: f"{3100000000 + n:010d}")
    name = factory.Sequence(lambda n: f"测试第{n}小学")
    kind = SchoolKind.PRIMARY
    ownership = Ownership.PUBLIC
    locality = Locality.TOWN
    principal = "张校长"
    phone = "0825-1234567"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    bureau = factory.SubFactory(BureauFactory)
    role = Role.BUREAU_LEADER
    password = factory.django.Password(TEST_PASSWORD)
