"""The settings of single sign-on with OpenID Connect (``OIDC_*``), checked when the app starts."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from dispatch.directory.settings import DirectoryMisconfigured, role_mapping

#: Which claim of the ID token holds what; ``OIDC_CLAIMS`` overrides any of them (an empty
#: string switches one off). The defaults are the standard claims, and the ``groups`` claim
#: Keycloak's and Entra ID's group mappers use.
CLAIMS = {
    "id": "sub",
    "email": "email",
    "name": "name",
    "department": "department",
    "site": "site",
    "phone": "phone_number",
    "groups": "groups",
    "locale": "locale",
}
DISCOVERY_PATH = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    claims: dict[str, str]
    role_groups: dict[str, str] = field(default_factory=dict)
    email_domains: tuple[str, ...] = ()
    timeout: float = 5.0
    leeway: int = 60
    directory_accounts: bool = False


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def from_config(config: Any) -> OidcSettings | None:
    """The settings, or None when single sign-on is off (no ``OIDC_ISSUER``). Raises
    :class:`DirectoryMisconfigured` naming the setting that is wrong."""
    issuer = (config.get("OIDC_ISSUER") or "").strip()
    if not issuer:
        return None
    if not (issuer.startswith("https://") or (issuer.startswith("http://") and _loopback(issuer))):
        raise DirectoryMisconfigured(f"OIDC_ISSUER must be an https:// address: {issuer!r}")
    client_id = (config.get("OIDC_CLIENT_ID") or "").strip()
    client_secret = config.get("OIDC_CLIENT_SECRET") or ""
    if not client_id or not client_secret:
        raise DirectoryMisconfigured("OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are required")
    claims = {**CLAIMS, **(config.get("OIDC_CLAIMS") or {})}
    unknown = set(claims) - set(CLAIMS)
    if unknown:
        raise DirectoryMisconfigured(
            f"OIDC_CLAIMS: unknown keys {sorted(unknown)}; known: {sorted(CLAIMS)}"
        )
    if not claims["id"] or not claims["email"]:
        raise DirectoryMisconfigured("OIDC_CLAIMS: 'id' and 'email' cannot be switched off")
    scopes = " ".join((config.get("OIDC_SCOPES") or "openid email profile").split())
    if "openid" not in scopes.split():
        raise DirectoryMisconfigured("OIDC_SCOPES must contain openid")
    role_groups = role_mapping(config, "OIDC_ROLE_GROUPS")
    discovery = (config.get("OIDC_DISCOVERY_URL") or "").strip()
    return OidcSettings(
        issuer=issuer,
        discovery_url=discovery or issuer.rstrip("/") + DISCOVERY_PATH,
        client_id=client_id,
        client_secret=client_secret,
        scopes=scopes,
        claims=claims,
        role_groups=role_groups,
        email_domains=tuple(
            d.strip().lower().lstrip("@") for d in config.get("OIDC_EMAIL_DOMAINS") or ()
        ),
        timeout=float(config.get("OIDC_TIMEOUT") or 5.0),
        leeway=int(config.get("OIDC_LEEWAY") or 60),
        directory_accounts=bool(config.get("OIDC_DIRECTORY_ACCOUNTS")),
    )
