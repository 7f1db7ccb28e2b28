"""The directory's settings (``LDAP_*``), checked once when the app starts, and the presets
that map its attributes for Active Directory and OpenLDAP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Which attribute holds what, per kind of directory. ``LDAP_ATTRIBUTES`` overrides any of them
#: (an empty string switches one off).
PRESETS: dict[str, dict[str, str]] = {
    "ad": {
        "id": "objectGUID",
        "login": "sAMAccountName",
        "principal": "userPrincipalName",
        "email": "mail",
        "aliases": "proxyAddresses",
        "name": "displayName",
        "department": "department",
        "site": "physicalDeliveryOfficeName",
        "phone": "telephoneNumber",
        "locale": "preferredLanguage",
        "groups": "memberOf",
        "disabled": "userAccountControl",
    },
    "openldap": {
        "id": "entryUUID",
        "login": "uid",
        "principal": "",
        "email": "mail",
        "aliases": "mail",  # the values of mail after the first
        "name": "cn",
        "department": "ou",
        "site": "l",
        "phone": "telephoneNumber",
        "locale": "preferredLanguage",
        "groups": "memberOf",
        "disabled": "pwdAccountLockedTime",
    },
}

USER_FILTERS = {
    "ad": (
        "(&(objectClass=user)(|(sAMAccountName={login})(userPrincipalName={login})(mail={login})))"
    ),
    "openldap": "(&(objectClass=person)(|(uid={login})(mail={login})))",
}
SYNC_FILTERS = {
    "ad": "(&(objectCategory=person)(objectClass=user))",
    "openldap": "(objectClass=inetOrgPerson)",
}
#: How nested groups are found: Active Directory's matching rule in chain, or by following
#: memberOf of the groups (OpenLDAP's memberof overlay), or not at all.
NESTED = {"ad": "in_chain", "openldap": "memberof"}
NESTED_CHOICES = ("in_chain", "memberof", "none")
ROLES = ("employee", "agent", "technician", "dispatcher", "admin")


class DirectoryMisconfigured(RuntimeError):
    """A directory setting is wrong: the app does not start with it."""


@dataclass(frozen=True)
class DirectorySettings:
    url: str
    base_dn: str
    bind_dn: str | None
    bind_password: str | None
    user_filter: str
    sync_filter: str
    dn_template: str | None
    start_tls: bool
    ca_file: str | None
    preset: str
    attributes: dict[str, str]
    role_groups: dict[str, str] = field(default_factory=dict)
    nested: str = "memberof"
    group_depth: int = 5
    timeout: float = 5.0

    @property
    def plaintext(self) -> bool:
        return self.url.lower().startswith("ldap://") and not self.start_tls


def role_mapping(config: Any, name: str) -> dict[str, str]:
    """The setting ``name``: group → role, every role one of :data:`ROLES`."""
    mapping = dict(config.get(name) or {})
    for group, role in mapping.items():
        if role not in ROLES:
            raise DirectoryMisconfigured(
                f"{name}: {role!r} (for {group}) is not one of {', '.join(ROLES)}"
            )
    return mapping


def from_config(config: Any) -> DirectorySettings | None:
    """The settings, or None when directory sign-in is off (no ``LDAP_URL``). Raises
    :class:`DirectoryMisconfigured` naming the setting that is wrong."""
    url = (config.get("LDAP_URL") or "").strip()
    if not url:
        return None
    preset = (config.get("LDAP_PRESET") or "openldap").strip().lower()
    if preset not in PRESETS:
        raise DirectoryMisconfigured(f"LDAP_PRESET must be 'ad' or 'openldap', not {preset!r}")
    if not url.lower().startswith(("ldap://", "ldaps://")):
        raise DirectoryMisconfigured(f"LDAP_URL must start with ldaps:// or ldap://: {url!r}")
    base_dn = (config.get("LDAP_BASE_DN") or "").strip()
    if not base_dn:
        raise DirectoryMisconfigured("LDAP_BASE_DN is required with LDAP_URL")
    attributes = {**PRESETS[preset], **(config.get("LDAP_ATTRIBUTES") or {})}
    unknown = set(attributes) - set(PRESETS[preset])
    if unknown:
        raise DirectoryMisconfigured(
            f"LDAP_ATTRIBUTES: unknown keys {sorted(unknown)}; known: {sorted(PRESETS[preset])}"
        )
    if not attributes.get("email"):
        raise DirectoryMisconfigured("LDAP_ATTRIBUTES: 'email' cannot be switched off")
    user_filter = config.get("LDAP_USER_FILTER") or USER_FILTERS[preset]
    dn_template = config.get("LDAP_USER_DN_TEMPLATE") or None
    if dn_template is None and "{login}" not in user_filter:
        raise DirectoryMisconfigured("LDAP_USER_FILTER must contain {login}")
    if dn_template is not None and "{login}" not in dn_template:
        raise DirectoryMisconfigured("LDAP_USER_DN_TEMPLATE must contain {login}")
    role_groups = role_mapping(config, "LDAP_ROLE_GROUPS")
    nested = config.get("LDAP_NESTED_GROUPS") or NESTED[preset]
    if nested not in NESTED_CHOICES:
        raise DirectoryMisconfigured(f"LDAP_NESTED_GROUPS must be one of {NESTED_CHOICES}")
    ca_file = config.get("LDAP_CA_FILE") or None
    return DirectorySettings(
        url=url,
        base_dn=base_dn,
        bind_dn=config.get("LDAP_BIND_DN") or None,
        bind_password=config.get("LDAP_BIND_PASSWORD") or None,
        user_filter=user_filter,
        sync_filter=config.get("LDAP_SYNC_FILTER") or SYNC_FILTERS[preset],
        dn_template=dn_template,
        start_tls=bool(config.get("LDAP_START_TLS")),
        ca_file=ca_file,
        preset=preset,
        attributes=attributes,
        role_groups=role_groups,
        nested=nested,
        group_depth=int(config.get("LDAP_GROUP_DEPTH") or 5),
        timeout=float(config.get("LDAP_TIMEOUT") or 5.0),
    )


def check(config: Any, *, debug_or_testing: bool) -> None:
    """Refuse to start with a wrong directory setting, or with passwords sent in clear text
    (ldap:// without StartTLS) unless LDAP_ALLOW_PLAINTEXT is set in debug or testing."""
    settings = from_config(config)
    if settings is None or not settings.plaintext:
        return
    if config.get("LDAP_ALLOW_PLAINTEXT") and debug_or_testing:
        return
    raise DirectoryMisconfigured(
        "LDAP_URL is ldap:// without LDAP_START_TLS: passwords would cross the network in "
        "clear text. Use ldaps:// or LDAP_START_TLS = True with LDAP_CA_FILE "
        "(LDAP_ALLOW_PLAINTEXT is honoured only in debug mode and tests)."
    )
