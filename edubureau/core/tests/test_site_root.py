"""What browsers ask for at the site's root without a link: /favicon.ico."""

from __future__ import annotations

import io

from PIL import Image


def test_the_favicon_is_served_to_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(body)).format == "ICO"


def test_pages_link_the_svg_icon(client):
    page = client.get("/accounts/login/").text
    assert 'rel="icon"' in page and "favicon.svg" in page


def test_the_header_names_the_users_own_bureau(cast, client_for):
    """The brand is the bureau's full name (a short name like 甲县 reads as the county)."""
    for user in (cast.school_a_officer, cast.safety_staff):
        page = client_for(user).get("/").text
        brand = page.split('data-testid="brand"')[1].split("</a>")[0]
        assert brand.endswith(cast.bureau.name)
    other = client_for(cast.other_admin).get("/").text
    assert other.split('data-testid="brand"')[1].split("</a>")[0].endswith(cast.other_bureau.name)
