"""The bare view bench/web.py measures against exists only when the benchmark asks for it."""

import importlib

import pytest
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, clear_url_caches, resolve, reverse

import secondop.urls


def test_bare_view_is_off_by_default(db: None) -> None:
    with pytest.raises(Resolver404):
        resolve("/bench/bare/")
    with pytest.raises(NoReverseMatch):
        reverse("bench_bare")
    assert Client().get("/bench/bare/").status_code == 404


def test_bare_view_is_on_only_with_the_flag(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_BARE_VIEW", "1")
    try:
        importlib.reload(secondop.urls)
        clear_url_caches()
        response = Client().get("/bench/bare/")
        assert response.status_code == 200
        assert response.content == b"ok"
    finally:
        monkeypatch.delenv("BENCH_BARE_VIEW")
        importlib.reload(secondop.urls)
        clear_url_caches()
    with pytest.raises(Resolver404):
        resolve("/bench/bare/")
