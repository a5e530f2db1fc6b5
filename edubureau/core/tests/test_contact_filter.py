"""A school's phone number is a ``tel:`` link where people chase schools from a phone."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from edubureau.core.templatetags.contact import phone


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0825-1234567", '<a href="tel:08251234567">0825-1234567</a>'),
        ("138 0000 1234", '<a href="tel:13800001234">138 0000 1234</a>'),
        ("+86 10 6609 6114", '<a href="tel:+861066096114">+86 10 6609 6114</a>'),
        ("", "—"),
        (None, "—"),
        ("暂无", "暂无"),
        ("12", "12"),
    ],
)
def test_a_number_becomes_a_tel_link_and_anything_else_stays_text(value, expected):
    assert str(phone(value)) == expected


def test_text_that_is_not_a_number_is_escaped():
    rendered = Template("{% load contact %}{{ v|phone }}").render(
        Context({"v": "<script>alert(1)</script>"})
    )
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered


def test_the_township_officer_calls_a_school_from_the_home_page(cast, client_for):
    school = cast.school_a
    school.phone = "0825-7654321"
    school.save(update_fields=["phone"])
    page = client_for(cast.township_staff).get(reverse("home")).content.decode()
    assert '<a href="tel:08257654321">0825-7654321</a>' in page
