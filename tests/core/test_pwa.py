import json
import struct
from pathlib import Path

from django.contrib.staticfiles import finders
from django.test import Client

from secondop.accounts.models import User
from tests.conftest import client_for


def png_size(path: str | None) -> tuple[int, int]:
    assert path is not None
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_manifest_describes_an_installable_app(db: None) -> None:
    response = Client().get("/manifest.json")
    assert response["Content-Type"].startswith("application/json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "secondop"
    assert manifest["short_name"]
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/cases/"
    assert manifest["scope"] == "/"
    assert manifest["theme_color"].startswith("#") and manifest["background_color"].startswith("#")
    icons = {(icon["sizes"], icon["purpose"]): icon["src"] for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= set(icons)
    for (sizes, _), src in icons.items():
        path = finders.find(src.removeprefix("/static/"))
        assert path, src
        assert png_size(path) == tuple(int(n) for n in sizes.split("x"))


def test_every_page_links_the_manifest_and_the_ios_tags(db: None) -> None:
    html = Client().get("/").text
    assert '<link rel="manifest" href="/manifest.json">' in html
    assert '<meta name="apple-mobile-web-app-capable" content="yes">' in html
    assert 'rel="apple-touch-icon"' in html
    assert '<meta name="viewport"' in html
    assert finders.find("icons/apple-touch-icon.png")
    assert png_size(finders.find("icons/apple-touch-icon.png")) == (180, 180)


def test_our_service_worker_is_served_at_the_root_with_its_shell(db: None) -> None:
    client = Client()
    response = client.get("/serviceworker.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Cache-Control"] == "no-cache"
    source = response.content.decode()
    prefix, _, body = source.partition("\n")
    config = json.loads(prefix.removeprefix("self.SECONDOP = ").removesuffix(";"))
    assert len(config["version"]) == 12
    assert "/static/css/app.css" in config["precache"]
    assert 'addEventListener("fetch"' in body
    for url in [*config["precache"], config["offlineUrl"]]:
        assert client.get(url).status_code == 200, url


def test_the_offline_page_is_a_calm_page_of_our_own(db: None) -> None:
    response = Client().get("/offline/")
    assert "You are offline" in response.text
    assert "site-footer" in response.text


def test_every_asset_is_served_locally(owner: User) -> None:
    html = client_for(owner).get("/cases/").text
    assert "https://" not in html.replace("https://secondop", "")
    assert "/static/django_htmx/htmx-2.min.js" in html


def test_the_body_carries_the_csrf_token_for_htmx(owner: User) -> None:
    html = client_for(owner).get("/cases/").text
    assert '<body hx-headers=\'{"X-CSRFToken": "' in html


def test_the_disclaimer_is_in_the_footer_of_every_page(owner: User) -> None:
    for url in ["/", "/cases/", "/cases/new/", "/account/settings/", "/accounts/login/"]:
        html = client_for(owner).get(url, follow=True).text
        assert "It is not medical or legal advice" in html, url
        assert 'href="/about/disclaimer/"' in html, url
