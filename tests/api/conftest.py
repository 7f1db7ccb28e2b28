"""Fixtures for the JSON API tests: a token for a user, and a client that sends it."""

from __future__ import annotations

import pytest

from dispatch.people.services import create_token


class ApiClient:
    """The test client with ``Authorization: Bearer <token>`` on every request."""

    def __init__(self, client, user, token):
        self.client = client
        self.user = user
        self.token = token

    def _headers(self, kw):
        headers = dict(kw.pop("headers", {}) or {})
        headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    def get(self, path, **kw):
        return self.client.get(path, headers=self._headers(kw), **kw)

    def post(self, path, **kw):
        return self.client.post(path, headers=self._headers(kw), **kw)


@pytest.fixture
def api(client, make_user):
    """``api(role="employee")`` or ``api(user)``: an ApiClient acting as that user."""

    def make(user=None, role="employee", **kw):
        user = user or make_user(role, **kw)
        return ApiClient(client, user, create_token(user))

    return make
