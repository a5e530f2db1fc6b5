"""Downloads are named in Chinese, as the users file them: 学校名录-20261202.xlsx, not
schools.xlsx next to 安全检查-20261202.xlsx."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.urls import reverse

DOWNLOADS = [
    ("orgs:school-export", "admin"),
    ("orgs:bureau-import-template", "city_admin"),
    ("safety:hazard-export", "safety_staff"),
    ("safety:inspection-export", "safety_staff"),
]


def filename(response) -> str:
    disposition = response["Content-Disposition"]
    return unquote(re.search(r"filename\*=UTF-8''([^;]+)", disposition).group(1))


@pytest.mark.parametrize(("url_name", "who"), DOWNLOADS)
def test_a_download_is_named_in_chinese(cast, client_for, url_name, who):
    response = client_for(getattr(cast, who)).get(reverse(url_name))
    assert response.status_code == 200
    stem, _, extension = filename(response).rpartition(".")
    assert extension in ("xlsx", "docx", "pdf")
    assert re.search(r"[\u4e00-\u9fff]", stem), stem
    assert not re.search(r"[A-Za-z]", stem), stem
