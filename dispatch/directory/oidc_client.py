"""The OpenID Connect conversation with the company's provider, through Authlib: the redirect
to the provider (authorization code flow with PKCE, a state and a nonce kept in the session),
and on the way back the code exchanged for tokens and the ID token checked: its signature
against the provider's published keys (JWKS), its issuer, audience, expiry and nonce. Any
fault is a :class:`SsoRefused` whose message tells the person what went wrong."""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from authlib.integrations.flask_client.integration import FlaskIntegration
from flask import current_app
from flask_babel import gettext as _
from joserfc import errors as jose

from dispatch.directory.oidc_settings import OidcSettings
from dispatch.errors import DispatchError

log = logging.getLogger(__name__)

_EXTENSION = "dispatch.oidc"
#: Signature algorithms an ID token may carry: asymmetric ones only, never "none".
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]


class SsoRefused(DispatchError):
    """Single sign-on did not sign anyone in; ``message`` says why, for the person."""


def _client(settings: OidcSettings) -> FlaskOAuth2App:
    """The app's one client of the provider (it caches the provider's metadata and keys)."""
    client = current_app.extensions.get(_EXTENSION)
    if client is None:
        client = FlaskOAuth2App(
            FlaskIntegration("oidc"),
            name="oidc",
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            server_metadata_url=settings.discovery_url,
            client_kwargs={
                "scope": settings.scopes,
                "code_challenge_method": "S256",
                "default_timeout": settings.timeout,
            },
        )
        current_app.extensions[_EXTENSION] = client
    return client


def _metadata(settings: OidcSettings) -> dict:
    """The provider's metadata; its issuer must be the one configured (OpenID Connect
    Discovery 1.0, 4.3), and only asymmetric signatures are accepted whatever it announces."""
    client = _client(settings)
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        log.error("oidc: no metadata at %s: %s", settings.discovery_url, exc)
        raise SsoRefused(_unavailable()) from None
    if metadata.get("issuer") != settings.issuer:
        log.error(
            "oidc: the provider's metadata names the issuer %r, not OIDC_ISSUER %r",
            metadata.get("issuer"),
            settings.issuer,
        )
        raise SsoRefused(_unavailable())
    announced = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    metadata["id_token_signing_alg_values_supported"] = [a for a in announced if a in ALGORITHMS]
    return metadata


def _unavailable() -> str:
    return _(
        "Signing in with your company account is not possible at the moment. Please try "
        "again later, or tell your administrator."
    )


def redirect_to_provider(settings: OidcSettings, redirect_uri: str):
    """The redirect that sends the browser to the provider's sign-in page."""
    _metadata(settings)
    try:
        return _client(settings).authorize_redirect(redirect_uri)
    except requests.RequestException as exc:
        log.error("oidc: %s", exc)
        raise SsoRefused(_unavailable()) from None


def verified_claims(settings: OidcSettings) -> dict:
    """The claims of the ID token the provider sent back for this browser's sign-in, once
    every check has passed; :class:`SsoRefused` otherwise."""
    _metadata(settings)
    try:
        token = _client(settings).authorize_access_token(
            leeway=settings.leeway,
            claims_options={
                "iss": {"essential": True, "value": settings.issuer},
                "aud": {"essential": True, "value": settings.client_id},
                "exp": {"essential": True},
            },
        )
    except MismatchingStateError:
        raise SsoRefused(
            _(
                "This sign-in was not started in this browser, or it was already used. "
                "Please sign in again."
            )
        ) from None
    except OAuthError as exc:
        log.warning("oidc: the provider refused: %s %s", exc.error, exc.description)
        raise SsoRefused(
            _(
                "Your company account's sign-in service refused the sign-in: %(reason)s.",
                reason=(exc.description or exc.error or "")[:200],
            )
        ) from None
    except requests.RequestException as exc:
        log.error("oidc: the provider cannot be reached: %s", exc)
        raise SsoRefused(_unavailable()) from None
    except jose.JoseError as exc:
        reason = _token_fault(exc)
        log.warning("oidc: ID token refused (%s): %s", type(exc).__name__, exc)
        raise SsoRefused(
            _(
                "Sign-in refused: %(reason)s. Please try again, or tell your administrator.",
                reason=reason,
            )
        ) from None
    userinfo = token.get("userinfo")
    if not userinfo:
        log.warning("oidc: the token response carried no ID token")
        raise SsoRefused(
            _(
                "Sign-in refused: %(reason)s. Please try again, or tell your administrator.",
                reason=_("the sign-in service sent no ID token"),
            )
        )
    return dict(userinfo)


def _token_fault(exc: jose.JoseError) -> str:
    """What is wrong with the ID token, in the person's words."""
    claim = getattr(exc, "claim", None)
    if isinstance(exc, jose.ExpiredTokenError):
        return _("the ID token has expired")
    if isinstance(exc, jose.InvalidClaimError) and claim == "aud":
        return _("the ID token was issued to another application")
    if isinstance(exc, jose.InvalidClaimError) and claim == "iss":
        return _("the ID token comes from another issuer")
    if isinstance(exc, (jose.InvalidClaimError, jose.MissingClaimError)) and claim == "nonce":
        return _("the ID token does not belong to this sign-in (nonce mismatch)")
    if isinstance(exc, jose.ClaimError):
        return _("the ID token's claim %(claim)s is wrong or missing", claim=claim)
    if isinstance(exc, (jose.UnsupportedAlgorithmError, jose.MissingAlgorithmError)):
        return _("the ID token is unsigned or signed in a way that is not accepted")
    if isinstance(exc, (jose.BadSignatureError, jose.InvalidKeyIdError)):
        return _("the ID token's signature is not the sign-in service's")
    return _("the ID token cannot be read")
