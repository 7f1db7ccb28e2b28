"""A number too large for the database in any URL is a 404, never a driver overflow (500)."""

from __future__ import annotations

import re

import pytest

HUGE = "99999999999999999999"


def _urls(app, method):
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule or method not in rule.methods:
            continue
        url = re.sub(r"<int:[^>]+>", HUGE, rule.rule)
        url = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", url)
        yield re.sub(r"<[^>]+>", "x", url)


@pytest.mark.parametrize("role", ["admin", "dispatcher", "technician", "employee"])
def test_huge_ids_are_not_found(app, client, auth, role):
    auth.login(role=role)
    urls = list(_urls(app, "GET"))
    assert len(urls) > 15  # the rules were found: this test covers the whole app
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in _urls(app, "POST"):
        assert client.post(url, data={}).status_code in (400, 404), url


@pytest.mark.parametrize("url", ["/desk/", "/desk/queue", "/tickets/"])
@pytest.mark.parametrize("page", [HUGE, "-5", "0"])
def test_page_numbers_out_of_range_are_not_errors(client, auth, url, page):
    auth.login(role="dispatcher")
    assert client.get(f"{url}?page={page}").status_code in (200, 404)
