"""REST endpoints of the directory: schools, departments, townships, current user."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from edubureau.orgs import selectors
from edubureau.orgs.api_base import ScopedReadOnlyViewSet
from edubureau.orgs.models import Department, School, Township, User


class SchoolSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)

    class Meta:
        model = School
        fields = [
            "id",
            "identifier",
            "name",
            "kind",
            "kind_display",
            "ownership",
            "locality",
            "township",
            "township_name",
            "address",
            "principal",
            "phone",
            "founded_year",
            "is_active",
        ]


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "code", "is_active"]


class TownshipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Township
        fields = ["id", "name", "code"]


class MeSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    school_name = serializers.CharField(source="school.name", read_only=True, default=None)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "role",
            "role_display",
            "bureau",
            "department",
            "department_name",
            "school",
            "school_name",
            "school_position",
            "read_only",
        ]


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, description="名称或标识码"),
        OpenApiParameter("township", int),
        OpenApiParameter("kind", str),
        OpenApiParameter("ownership", str),
        OpenApiParameter("locality", str),
        OpenApiParameter("active", str, description="1（默认）、0 或 all"),
    ]
)
class SchoolViewSet(ScopedReadOnlyViewSet):
    """学校名录。学校用户只能看到本校;责任督学只能看到所督导的学校。"""

    scoped_model = School
    serializer_class = SchoolSerializer
    lookup_url_kwarg = "school_id"

    def get_queryset(self) -> Any:
        filters = selectors.SchoolFilter.from_params(self.request.query_params)
        return selectors.school_list(user=self.request.user, filters=filters)


class DepartmentViewSet(ScopedReadOnlyViewSet):
    scoped_model = Department
    serializer_class = DepartmentSerializer
    lookup_url_kwarg = "department_id"


class TownshipViewSet(ScopedReadOnlyViewSet):
    scoped_model = Township
    serializer_class = TownshipSerializer
    lookup_url_kwarg = "township_id"


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    return Response(MeSerializer(request.user).data)


router = DefaultRouter(trailing_slash=True)
router.register("schools", SchoolViewSet, basename="school")
router.register("departments", DepartmentViewSet, basename="department")
router.register("townships", TownshipViewSet, basename="township")
