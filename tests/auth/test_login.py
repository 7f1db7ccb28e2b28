import pytest

from dispatch.auth.services import safe_next


def test_login_redirects_to_home(client, auth):
    auth.login(role="employee")
    response = client.get("/")
    assert response.status_code == 302


def test_wrong_password_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert b"Wrong e-mail or password" in response.data


def test_inactive_user_cannot_sign_in(client, make_user):
    user = make_user(active=False)
    response = client.post(
        "/login", data={"email": user.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "\\\\evil",
        "https://evil.example/",
        "javascript:alert(1)",
        "/%0a/evil",
        " //evil",
        "evil",
        "/\tevil",
    ],
)
def test_next_never_leaves_the_site(target):
    assert (
        safe_next(target) is None
        or safe_next(target).startswith("/")
        and not safe_next(target).startswith("//")
    )


def test_local_next_is_kept():
    assert safe_next("/tickets/3?x=1") == "/tickets/3?x=1"


def test_login_ignores_external_next(client, make_user):
    user = make_user()
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": "correct horse battery staple",
            "next": "//evil.example/x",
        },
    )
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_bootstrap_is_served_locally(client):
    with client.get("/vendor/bootstrap/css/bootstrap.min.css") as response:
        assert response.status_code == 200
        assert b"Bootstrap" in response.data[:500]
    assert client.get("/vendor/bootstrap/../../setup.cfg").status_code == 404
    assert client.get("/vendor/nothing/x.css").status_code == 404
