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
