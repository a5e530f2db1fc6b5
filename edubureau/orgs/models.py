"""Organisations, people and the school year.

Every school-owned table in the project carries ``school_id`` directly and uses
:class:`edubureau.orgs.scoping.SchoolScopedQuerySet`, the one door through which
records are read.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from edubureau.core.crypto import EncryptedTextField
from edubureau.core.roles import OPERATOR_MANAGED_ROLES, Role
from edubureau.orgs.scoping import (
    BureauQuerySet,
    BureauScopedQuerySet,
    SchoolQuerySet,
    SchoolScopedQuerySet,
    subtree_ids,
)


class BureauLevel(models.TextChoices):
    PROVINCE = "province", "省（教育厅）"
    CITY = "city", "市"
    COUNTY = "county", "县（区）"


# A child bureau sits exactly one level below its parent.
LEVEL_BELOW = {BureauLevel.PROVINCE: BureauLevel.CITY, BureauLevel.CITY: BureauLevel.COUNTY}


class Bureau(models.Model):
    """An education bureau: a node of the province → city → county tree.

    ``path`` is the materialised path of primary keys from the top ("/1/5/23/"),
    so a bureau's subtree is one prefix match on a table of a hundred-odd rows,
    and a subtree's schools are ``school.bureau_id IN (that subquery)``
    (see edubureau/orgs/README.md for the measurements behind the choice).
    """

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级教育局",
    )
    level = models.CharField(
        "层级", max_length=10, choices=BureauLevel.choices, default=BureauLevel.COUNTY
    )
    path = models.CharField("层级路径", max_length=255, blank=True, editable=False, db_index=True)
    # A school has moved into or out of this bureau's subtree (orgs.moves): only then
    # does a reader here look for moved schools' stays.
    has_moved_schools = models.BooleanField("有学校调入调出", default=False, editable=False)
    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=40, blank=True)
    issuer_code = models.CharField("发文机关代字", max_length=20, help_text="用于文号，如“大教发”")
    region_code = models.CharField(
        "行政区划代码",
        max_length=12,
        blank=True,
        help_text="6位行政区划代码，如 340100（合肥市）",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    # Encrypted at rest like every phone number we keep (edubureau/core/crypto.py).
    phone = EncryptedTextField("电话", blank=True)
    # The day the bureau's schools started keeping their records here: the facts count
    # nothing before it as missing and compare with no period it did not wholly cover.
    go_live = models.DateField(
        "启用日期",
        null=True,
        blank=True,
        help_text="本局学校开始使用本系统的日期；此日期之前的记录不计为缺报，也不作同比",
    )
    # Which accounts of this bureau must sign in with a second factor (TOTP): keys of
    # ``two_factor.TwoFactorGroup`` (roles, plus the student-aid centre's staff and the
    # accounts allowed to read students' sensitive data). The rule is
    # ``two_factor.two_factor_required``; the bureau's administrator sets it.
    two_factor_groups = models.JSONField("须启用两步验证的账号", default=list, blank=True)

    objects = BureauQuerySet.as_manager()

    class Meta:
        verbose_name = "教育局"
        verbose_name_plural = "教育局"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The path holds the bureau's own key, known only after the insert.
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent is not None else "/"
        path = f"{parent_path}{self.pk}/"
        if path != self.path:
            self.path = path
            Bureau.objects.filter(pk=self.pk).update(path=path)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Keys from the top down to the parent (not the bureau itself)."""
        return [int(p) for p in self.path.strip("/").split("/")[:-1] if p]

    def child_toward(self, path: str) -> int | None:
        """The key of the bureau directly below this one on the way to the bureau at
        ``path`` — this bureau's own key for itself, None outside its subtree: the one
        rule by which a city's figures are summed per county (a province's per city)."""
        if not self.path or not path.startswith(self.path):
            return None
        below = path[len(self.path) :].strip("/")
        return int(below.split("/")[0]) if below else int(self.pk)

    def is_ancestor_of(self, other: Bureau) -> bool:
        return other.path.startswith(self.path) and other.pk != self.pk

    def subtree(self) -> BureauQuerySet:
        """This bureau and every bureau below it."""
        if not self.path:
            # An unsaved bureau has no subtree; an empty prefix would match all.
            return Bureau.objects.none()
        return Bureau.objects.filter(path__startswith=self.path)


class Department(models.Model):
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="departments")
    name = models.CharField("名称", max_length=60)
    code = models.SlugField("代码", max_length=40, help_text="英文代码，如 safety")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    # 分管局领导: the leader a department answers to. What the department lets slip
    # climbs to this leader (escalation level 4); without one, to every leader.
    leader_in_charge = models.ForeignKey(
        "orgs.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="departments_in_charge",
        verbose_name="分管局领导",
        limit_choices_to={"role": "bureau_leader"},
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = BureauScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "股室"
        verbose_name_plural = "股室"
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name"], name="department_unique_name"),
            models.UniqueConstraint(fields=["bureau", "code"], name="department_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class Township(models.Model):
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="townships")
    name = models.CharField("名称", max_length=60)
    code = models.CharField("区划代码", max_length=12, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    objects = BureauScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "乡镇（街道）"
        verbose_name_plural = "乡镇（街道）"
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name"], name="township_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SchoolKind(models.TextChoices):
    KINDERGARTEN = "kindergarten", "幼儿园"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初级中学"
    NINE_YEAR = "nine_year", "九年一贯制学校"
    COMPLETE_SECONDARY = "complete_secondary", "完全中学"
    SENIOR = "senior", "高级中学"
    VOCATIONAL = "vocational", "中等职业学校"
    SPECIAL = "special", "特殊教育学校"
    TEACHING_POINT = "teaching_point", "教学点"


class Ownership(models.TextChoices):
    PUBLIC = "public", "公办"
    PRIVATE = "private", "民办"


class Locality(models.TextChoices):
    URBAN = "urban", "城区"
    TOWN = "town", "镇区"
    RURAL = "rural", "乡村"


# The group name of schools a bureau above the county runs itself.
DIRECT_LABELS = {BureauLevel.CITY: "市直", BureauLevel.PROVINCE: "省直", BureauLevel.COUNTY: "县直"}

school_identifier_validator = RegexValidator(r"^\d{10}$", "学校标识码必须是10位数字")


class School(models.Model):
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="schools")
    identifier = models.CharField(
        "学校标识码", max_length=10, unique=True, validators=[school_identifier_validator]
    )
    name = models.CharField("学校名称", max_length=100)
    kind = models.CharField("办学类型", max_length=20, choices=SchoolKind.choices)
    ownership = models.CharField("举办者", max_length=10, choices=Ownership.choices)
    locality = models.CharField("城乡分类", max_length=10, choices=Locality.choices)
    # Null for a school run directly by a city or the province (市直、省直学校):
    # townships belong to counties.
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        related_name="schools",
        verbose_name="所在乡镇",
        null=True,
        blank=True,
    )
    address = models.CharField("地址", max_length=200, blank=True)
    principal = models.CharField("校长（园长）", max_length=40, blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    founded_year = models.PositiveSmallIntegerField(
        "建校年份",
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    is_active = models.BooleanField("在办", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolQuerySet.as_manager()
    # School is its own scope key: the scoping door filters on the primary key.
    scope_field = "pk"

    class Meta:
        verbose_name = "学校"
        verbose_name_plural = "学校"
        ordering = ["township__sort_order", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name"], name="school_unique_name"),
        ]
        indexes = [
            models.Index(fields=["bureau", "kind"]),
            models.Index(fields=["name"]),
            # Every scoped aggregate reads "the schools of this subtree" (their id, bureau,
            # township, open or not) and hashes them: from this index alone, without the
            # wide rows (30,000 schools at province scale: 16 MB of heap against 1 MB).
            models.Index(
                fields=["bureau", "id", "is_active", "township"], name="school_scope_cover_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def school_id(self) -> int:
        """Lets generic code treat a school like any other school-owned row."""
        return self.pk

    @property
    def area_name(self) -> str:
        """Where a list groups the school: :func:`area_label` (its bureau is read only
        for a school without a township)."""
        if self.township is not None:
            return self.township.name
        return area_label(None, self.bureau.level)


def area_label(township_name: str | None, bureau_level: str) -> str:
    """Where a list groups a school: its township, or “市直”/“省直” for a school its
    city or province runs directly (for rows read as values, ``School.area_name``)."""
    if township_name is not None:
        return township_name
    return DIRECT_LABELS.get(BureauLevel(bureau_level), "直属")


class SchoolPosition(models.TextChoices):
    PRINCIPAL = "principal", "校长（园长）"
    SAFETY_OFFICER = "safety_officer", "安全专干"
    STAFF = "staff", "工作人员"


class UserQuerySet(models.QuerySet):
    """Accounts: administrators and bureau leaders see the accounts of their
    bureau's subtree; everyone else sees only their own. Administrators maintain
    their own bureau's accounts and the administrators of the bureaus directly
    below (they create a child bureau's first administrator), but never an audit
    administrator's account (三员分立: ``OPERATOR_MANAGED_ROLES``)."""

    def visible_to(self, user: User) -> UserQuerySet:
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.role in (Role.ADMINISTRATOR, Role.BUREAU_LEADER) and user.bureau_id:
            return self.filter(bureau_id__in=subtree_ids(user))
        return self.filter(pk=user.pk)

    def writable_by(self, user: User) -> UserQuerySet:
        if not (user.is_authenticated and user.is_active) or user.role != Role.ADMINISTRATOR:
            return self.none()
        if not user.bureau_id:
            return self.none()
        mine = models.Q(bureau_id=user.bureau_id) | models.Q(
            role=Role.ADMINISTRATOR, bureau__parent_id=user.bureau_id
        )
        return self.filter(mine).exclude(role__in=OPERATOR_MANAGED_ROLES)


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """An account. Its role and its bureau / department / school decide its scope."""

    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    full_name = models.CharField("姓名", max_length=40, blank=True)
    # Personal: encrypted at rest (edubureau/core/crypto.py), never searched by SQL.
    phone = EncryptedTextField("手机号", blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        verbose_name="所属股室",
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        verbose_name="所属学校",
    )
    school_position = models.CharField(
        "学校岗位", max_length=20, choices=SchoolPosition.choices, blank=True
    )
    # Read-only school staff can see their school's records but change nothing.
    read_only = models.BooleanField("只读", default=False)
    township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
        verbose_name="所属中心校（学区）",
    )
    assigned_schools = models.ManyToManyField(
        School, blank=True, related_name="inspectors", verbose_name="督导学校"
    )
    must_change_password = models.BooleanField("首次登录须改密码", default=False)
    # When the password was last set: a password older than PASSWORD_MAX_AGE_DAYS must
    # be changed before anything else (orgs.passwords.password_change_reason).
    password_changed_at = models.DateTimeField("密码设置时间", default=timezone.now)
    can_read_sensitive = models.BooleanField(
        "可查看学生敏感信息",
        default=False,
        help_text="管理员默认不可查看学生敏感信息；仅在确有需要时开启。",
    )

    objects: ClassVar[ScopedUserManager] = ScopedUserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="school_user") | models.Q(school__isnull=False),
                name="user_school_user_has_school",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="department_staff") | models.Q(department__isnull=False),
                name="user_department_staff_has_department",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="township_staff") | models.Q(township__isnull=False),
                name="user_township_staff_has_township",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django ends every session whose stored hash no longer matches, at its next
        request. Beyond the password (Django's own rule), the role is hashed in: a role
        changed or removed ends all the account's sessions (等保 8.1.4.2 c)), as it
        revokes its API tokens (``api_tokens``); a move to another school keeps both,
        the scope being read afresh on every request."""
        return salted_hmac(
            "edubureau.orgs.User.session_auth_hash",
            f"{self.password}|{self.role}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_bureau_wide(self) -> bool:
        return self.role in (Role.BUREAU_LEADER, Role.DEPARTMENT_STAFF)

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_school_user(self) -> bool:
        return self.role == Role.SCHOOL_USER

    @property
    def is_inspector(self) -> bool:
        return self.role == Role.INSPECTOR

    @property
    def is_township_staff(self) -> bool:
        return self.role == Role.TOWNSHIP_STAFF


class SchoolYear(models.Model):
    """A school year, 9月1日 to 次年8月31日 by default; ``start_year`` 2025 is "2025—2026学年"."""

    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="school_years")
    start_year = models.PositiveSmallIntegerField("起始年份")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")

    objects = BureauScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "学年"
        verbose_name_plural = "学年"
        ordering = ["-start_year"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "start_year"], name="school_year_unique"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="school_year_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start_year}—{self.start_year + 1}学年"


class Semester(models.Model):
    class Term(models.IntegerChoices):
        AUTUMN = 1, "第一学期（秋季）"
        SPRING = 2, "第二学期（春季）"

    school_year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="semesters")
    term = models.PositiveSmallIntegerField("学期", choices=Term.choices)
    starts_on = models.DateField("开学日期")
    ends_on = models.DateField("结束日期")

    class Meta:
        verbose_name = "学期"
        verbose_name_plural = "学期"
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "term"], name="semester_unique"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")), name="semester_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} {self.get_term_display()}"


class SchoolTransfer(models.Model):
    """A school moved from one bureau to another (a 隶属关系调整), or between two
    townships of its bureau: the school's records up to ``moved_on`` belong to the
    history of ``from_bureau`` and ``from_township`` (orgs.moves)."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="transfers", verbose_name="学校"
    )
    from_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="+", verbose_name="原属教育局"
    )
    to_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="+", verbose_name="调入教育局"
    )
    from_township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="原属乡镇",
    )
    # The township it went to (None: a bureau without townships). A move between two
    # townships of one bureau is a transfer too, from the bureau to itself.
    to_township = models.ForeignKey(
        Township,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="调入乡镇",
    )
    moved_on = models.DateField("调整日期")
    reason = models.CharField("调整原因", max_length=200, blank=True)
    actor = models.ForeignKey(
        "orgs.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    # Read through the door like every row of a school: the school's current subtree.
    objects = SchoolScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "学校隶属调整"
        verbose_name_plural = "学校隶属调整"
        ordering = ["school", "moved_on", "id"]
        indexes = [
            models.Index(fields=["from_bureau", "moved_on"], name="school_transfer_from_idx")
        ]

    def __str__(self) -> str:
        return f"{self.school}：{self.from_bureau} → {self.to_bureau}（{self.moved_on}）"


class PasswordHistory(models.Model):
    """Hashes of an account's recent passwords, so a change cannot go back to one
    (edubureau.orgs.passwords.PasswordHistoryValidator)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d}"


class DocumentCounter(models.Model):
    """The last serial of a bureau's 发文字号 per 代字 and year: one row locked while a
    number is allocated (``orgs.services.numbering``), so numbers are unique and gapless
    across every kind of document the bureau issues (reports, notices, plans)."""

    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="+")
    issuer_code = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "issuer_code", "year"], name="document_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer_code}〔{self.year}〕{self.last}"


class TOTPDevice(models.Model):
    """An account's authenticator app (TOTP, RFC 6238: 6 digits, 30 s steps), one per
    account. The secret is encrypted at rest and never shown again after enrolment;
    ``last_step`` is the newest time step accepted, so a code is used at most once
    (``two_factor.verify_totp``). Unconfirmed until the first code is entered."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField("密钥")
    confirmed = models.BooleanField("已启用", default=False)
    last_step = models.BigIntegerField("最近使用的时间步", default=0)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    confirmed_at = models.DateTimeField("启用时间", null=True, blank=True)

    class Meta:
        verbose_name = "两步验证设备"
        verbose_name_plural = "两步验证设备"

    def __str__(self) -> str:
        return f"{self.user}的两步验证"


class RecoveryCode(models.Model):
    """A one-time recovery code (for a lost phone), stored hashed; ``used_at`` set
    when it is spent."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "恢复码"
        verbose_name_plural = "恢复码"

    def __str__(self) -> str:
        return f"{self.user}的恢复码"
