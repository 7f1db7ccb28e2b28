"""A real OpenID Connect provider for the tests, built with Authlib's authorization server:
the authorization code grant with PKCE (S256 required) and the OpenID Connect extension,
ID tokens signed with a freshly generated RSA key published as a JWKS, discovery metadata,
served over HTTP on a free loopback port by a thread.

The person "signed in at the provider" is set by the test (``provider.person``): the
authorization endpoint grants the request for them without a page, as a provider does for
someone with a session there. ``provider.fault`` makes the provider issue a bad ID token of
one kind, through the same library code that issues good ones."""

from __future__ import annotations

import secrets
import threading
import time
import warnings
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify
from joserfc.errors import SecurityWarning
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "dispatch"
CLIENT_SECRET = "s3cret-of-the-dispatch-client"
#: Faults the provider can be told to commit in the ID tokens it issues.
FAULTS = ("other_audience", "expired", "unsigned", "nonce", "other_issuer", "other_key")


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: dict
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class Provider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "provider-1"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "provider-1"})
        self.client = Client(CLIENT_ID, CLIENT_SECRET)
        self.codes: dict[str, Code] = {}
        self.person: dict | None = None  # the claims of who is signed in at the provider
        self.fault: str | None = None
        self.issuer = ""
        self.tokens_issued = 0
        self.app = self._app()

    def _app(self) -> Flask:
        app = Flask("oidc-provider")
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 300}
        server = AuthorizationServer(
            app,
            query_client=lambda cid: self.client if cid == self.client.client_id else None,
            save_token=lambda token, request: None,
        )
        server.register_grant(
            _grant(self), [CodeChallenge(required=True), _id_token(self)(require_nonce=True)]
        )

        @app.get("/.well-known/openid-configuration")
        def metadata():
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                scopes_supported=["openid", "email", "profile"],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            grant = server.get_consent_grant(end_user=self.person)
            return server.create_authorization_response(grant_user=self.person, grant=grant)

        @app.post("/token")
        def token():
            return server.create_token_response()

        return app


def _grant(provider: Provider) -> type[AuthorizationCodeGrant]:
    class Grant(AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code, request):
            data = request.payload.data
            provider.codes[code] = Code(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                person=dict(request.user),
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )

        def query_authorization_code(self, code, client):
            found = provider.codes.get(code)
            return found if found and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code):
            provider.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return authorization_code.person

    return Grant


def _id_token(provider: Provider) -> type[OpenIDCode]:
    class IdToken(OpenIDCode):
        def exists_nonce(self, nonce, request):
            return any(c.nonce == nonce for c in provider.codes.values())

        def resolve_client_private_key(self, client):
            return provider.other_key if provider.fault == "other_key" else provider.key

        def get_client_algorithm(self, client):
            return "none" if provider.fault == "unsigned" else "RS256"

        def get_encode_header(self, client):
            alg = self.get_client_algorithm(client)
            return {"alg": alg} if alg == "none" else {"alg": alg, "kid": "provider-1"}

        def get_client_claims(self, client):
            claims = {"iss": provider.issuer, "aud": [client.get_client_id()]}
            if provider.fault == "other_audience":
                claims["aud"] = ["another-application"]
            if provider.fault == "other_issuer":
                claims["iss"] = "https://login.other-company.example"
            if provider.fault == "expired":
                now = int(time.time())
                claims.update(iat=now - 7200, exp=now - 3600)
            return claims

        def encode_id_token(self, token, request):
            with warnings.catch_warnings():
                # joserfc warns before encoding with "none": the point of the fault.
                warnings.simplefilter("ignore", SecurityWarning)
                return super().encode_id_token(token, request)

        def get_authorization_code_claims(self, authorization_code):
            claims = super().get_authorization_code_claims(authorization_code)
            if provider.fault == "nonce":
                claims["nonce"] = "a-nonce-of-another-sign-in"
            return claims

        def generate_user_info(self, user, scope):
            provider.tokens_issued += 1
            return UserInfo(**user)

    return IdToken


class Running:
    """A provider served on a loopback port until :meth:`stop`."""

    def __init__(self) -> None:
        self.provider = Provider()
        self._server = make_server("127.0.0.1", 0, self.provider.app, threaded=True)
        self.provider.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)
