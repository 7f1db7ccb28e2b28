"""The navbar: every role's menu names pages that exist, and each entry opens for that role."""

from __future__ import annotations

import pytest
from flask import url_for

from dispatch.web import NAV


def test_every_menu_entry_is_a_page(app):
    missing = [
        (role, endpoint)
        for role, items in NAV.items()
        for endpoint, _label in items
        if endpoint not in app.view_functions
    ]
    assert not missing


@pytest.mark.parametrize("role", sorted(NAV))
def test_each_entry_opens_for_its_role(app, client, auth, role):
    auth.login(role=role)
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    for endpoint, _label in NAV[role]:
        with app.test_request_context():
            url = url_for(endpoint)
        assert f'href="{url}"' in page, endpoint
        assert client.get(url).status_code == 200, endpoint
