"""Talking to the directory with ldap3: finding a person, checking their password by binding
as them, reading everyone for the sync, and the groups they are in (nested ones too).

Every value typed by a person reaches the directory escaped (filter or DN), never as LDAP
syntax. The password is only ever sent in a bind and never kept.
"""

from __future__ import annotations

import logging
import ssl
import uuid
from dataclasses import dataclass, field

from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn

from dispatch.directory.settings import DirectorySettings

log = logging.getLogger(__name__)

#: Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: membership through nested groups.
IN_CHAIN = "1.2.840.113556.1.4.1941"
#: userAccountControl's ACCOUNTDISABLE bit.
AD_DISABLED = 2


class DirectoryUnavailable(Exception):
    """The directory could not be reached or refused the service account."""


@dataclass
class Person:
    """A person as the directory describes them, in the terms of an account."""

    dn: str
    id: str
    email: str
    name: str
    login: str = ""
    aliases: list[str] = field(default_factory=list)
    department: str = ""
    site: str = ""
    phone: str = ""
    groups: set[str] = field(default_factory=set)  # normalised DNs, nested ones included
    disabled: bool = False
    locale: str = ""  # one of LANGUAGES, or none said
    # False when the source says nothing of groups (an ID token without the claim): the role
    # is then the admins' to set, not reset to employee.
    roles_from_groups: bool = True


def normal_dn(dn: str) -> str:
    """A DN in one spelling (case and spaces do not matter), for comparing."""
    try:
        return ",".join(
            f"{a.strip().lower()}={v.strip().lower()}" for a, v, _s in parse_dn(dn, strip=True)
        )
    except LDAPException:
        return dn.strip().lower()


def login_filter(template: str, login: str) -> str:
    """The search filter for what someone typed: every special character escaped (``*``,
    ``(``, ``)``, ``\\`` and NUL), so nothing typed can widen or change the search."""
    return template.replace("{login}", escape_filter_chars(login))


def _server(settings: DirectorySettings) -> Server:
    tls = None
    if settings.url.lower().startswith("ldaps://") or settings.start_tls:
        tls = Tls(
            validate=ssl.CERT_REQUIRED,
            ca_certs_file=settings.ca_file,
            version=ssl.PROTOCOL_TLS_CLIENT,
        )
    return Server(
        settings.url,
        use_ssl=settings.url.lower().startswith("ldaps://"),
        tls=tls,
        get_info=NONE,
        connect_timeout=settings.timeout,
    )


def _bind(settings: DirectorySettings, server: Server, dn: str | None, password: str | None):
    """A bound connection, or None when the directory refuses these credentials."""
    conn = Connection(
        server,
        user=dn,
        password=password,
        receive_timeout=max(1, round(settings.timeout)),
        raise_exceptions=False,
    )
    try:
        conn.open()
        if settings.start_tls:
            conn.start_tls()
        if not conn.bind():
            conn.unbind()
            return None
    except LDAPException as exc:
        if conn.socket is not None:  # ldap3 leaves it open when the connection fails
            conn.socket.close()
        raise DirectoryUnavailable(str(exc)) from exc
    return conn


def service_connection(settings: DirectorySettings) -> Connection:
    """Bound as the service account (anonymously when none is configured)."""
    conn = _bind(settings, _server(settings), settings.bind_dn, settings.bind_password)
    if conn is None:
        raise DirectoryUnavailable("the directory refused the service account (LDAP_BIND_DN)")
    return conn


def _attribute_names(settings: DirectorySettings) -> list[str]:
    return sorted({name for name in settings.attributes.values() if name})


def _values(entry: dict, name: str) -> list:
    if not name:
        return []
    for key, value in entry.items():  # attribute names are case-insensitive
        if key.lower() == name.lower():
            return [
                v for v in (value if isinstance(value, list) else [value]) if v not in ("", None)
            ]
    return []


def _text(value) -> str:
    if isinstance(value, bytes):
        if len(value) == 16:  # objectGUID: little-endian UUID
            return str(uuid.UUID(bytes_le=value))
        return value.decode("utf-8", "replace")
    return str(value)


def _first(entry: dict, name: str) -> str:
    values = _values(entry, name)
    return _text(values[0]).strip() if values else ""


def _disabled(settings: DirectorySettings, entry: dict) -> bool:
    name = settings.attributes.get("disabled", "")
    values = _values(entry, name)
    if name.lower() == "useraccountcontrol":
        try:
            return bool(int(_text(values[0])) & AD_DISABLED) if values else False
        except ValueError:
            return False
    return bool(values)  # a lock marker such as pwdAccountLockedTime: present means disabled


def _addresses(settings: DirectorySettings, entry: dict) -> tuple[str, list[str]]:
    """The main address and the others: proxyAddresses' ``SMTP:`` is the main one and
    ``smtp:`` the others (other kinds, such as ``X500:``, are not mail); any other attribute's
    values are all addresses."""
    email = _first(entry, settings.attributes["email"]).lower()
    alias_attr = settings.attributes.get("aliases", "")
    aliases: list[str] = []
    for value in _values(entry, alias_attr):
        text = _text(value).strip()
        if alias_attr.lower() == "proxyaddresses":
            kind, sep, address = text.partition(":")
            if not sep or kind.lower() != "smtp":
                continue
            if kind == "SMTP" and not email:
                email = address.lower()
            text = address
        aliases.append(text.lower())
    if not email and settings.attributes.get("principal"):
        email = _first(entry, settings.attributes["principal"]).lower()
    return email, sorted({a for a in aliases if a and a != email and "@" in a})


def person_from(settings: DirectorySettings, dn: str, entry: dict) -> Person:
    email, aliases = _addresses(settings, entry)
    name = _first(entry, settings.attributes.get("name", "")) or email.split("@", 1)[0]
    return Person(
        dn=dn,
        id=_first(entry, settings.attributes.get("id", "")) or normal_dn(dn),
        email=email,
        name=name,
        login=_first(entry, settings.attributes.get("login", "")),
        aliases=aliases,
        department=_first(entry, settings.attributes.get("department", "")),
        site=_first(entry, settings.attributes.get("site", "")),
        phone=_first(entry, settings.attributes.get("phone", "")),
        locale=_first(entry, settings.attributes.get("locale", "")),
        groups={normal_dn(_text(g)) for g in _values(entry, settings.attributes.get("groups", ""))},
        disabled=_disabled(settings, entry),
    )


class GroupResolver:
    """The groups a person is in, nested ones included, as far as the directory tells. One per
    connection: the groups of groups are asked once each.

    ``in_chain`` lets Active Directory walk the nesting itself. A directory that does not know
    that matching rule (OpenLDAP) answers its searches with nothing, which would quietly lose
    every nested group: so the rule is first tried on a group the person is directly in, and
    when even that finds nothing, the groups are walked through memberOf instead."""

    def __init__(self, settings: DirectorySettings, conn: Connection) -> None:
        self.settings, self.conn = settings, conn
        self._parents: dict[str, set[str]] = {}
        self._in_chain_works: bool | None = None

    def _parents_of(self, group: str) -> set[str]:
        if group not in self._parents:
            attr = self.settings.attributes.get("groups", "")
            self.conn.search(group, "(objectClass=*)", BASE, attributes=[attr])
            found = self.conn.entries[0].entry_attributes_as_dict if self.conn.entries else {}
            self._parents[group] = {normal_dn(_text(g)) for g in _values(found, attr)}
        return self._parents[group]

    def _in_chain(self, person: Person, group: str) -> bool:
        rule = f"(memberOf:{IN_CHAIN}:={escape_filter_chars(group)})"
        self.conn.search(person.dn, rule, BASE, attributes=[])
        return bool(self.conn.entries)

    def _in_chain_known(self, person: Person) -> bool:
        if self._in_chain_works is None and person.groups:
            self._in_chain_works = self._in_chain(person, min(person.groups))
            if not self._in_chain_works:
                log.warning(
                    "directory: the directory does not apply the matching rule in chain "
                    "(LDAP_NESTED_GROUPS = 'in_chain'); nested groups are followed through "
                    "memberOf instead: set LDAP_NESTED_GROUPS = 'memberof'"
                )
        return bool(self._in_chain_works)

    def _walk(self, person: Person) -> set[str]:
        seen, level = set(person.groups), set(person.groups)
        for _depth in range(self.settings.group_depth):  # a cycle or a deep tree stops here
            level = set().union(*(self._parents_of(g) for g in level)) - seen if level else set()
            if not level:
                break
            seen |= level
        return seen

    def resolve(self, person: Person) -> set[str]:
        if self.settings.nested == "none" or not person.groups:
            return set(person.groups)  # in no group, in no nested one either
        if self.settings.nested == "in_chain" and self._in_chain_known(person):
            # Asked per mapped group, on the person's own entry, so the groups may live
            # anywhere in the forest's tree.
            found = set(person.groups)
            for group in self.settings.role_groups:
                if normal_dn(group) not in found and self._in_chain(person, group):
                    found.add(normal_dn(group))
            return found
        return self._walk(person)


def _read(settings: DirectorySettings, conn: Connection, dn: str) -> Person | None:
    conn.search(dn, "(objectClass=*)", BASE, attributes=_attribute_names(settings))
    if not conn.entries:
        return None
    entry = conn.entries[0]
    return person_from(settings, entry.entry_dn, entry.entry_attributes_as_dict)


def find(
    settings: DirectorySettings, conn: Connection, login: str, *, groups: bool = True
) -> Person | None:
    """The one person the login names (None for nobody, or for several: a login must be
    unambiguous), with their nested groups unless ``groups`` is false."""
    conn.search(
        settings.base_dn,
        login_filter(settings.user_filter, login),
        SUBTREE,
        attributes=_attribute_names(settings),
        size_limit=2,
    )
    entries = list(conn.entries)
    if len(entries) != 1:
        if entries:
            log.warning("directory: the login %r matches several people; refused", login)
        return None
    person = person_from(settings, entries[0].entry_dn, entries[0].entry_attributes_as_dict)
    if groups:
        person.groups = GroupResolver(settings, conn).resolve(person)
    return person


def _nobody(settings: DirectorySettings) -> str:
    """A DN under the base that names no one (no login can be spelt into it)."""
    return f"cn=dispatch-no-such-person-{uuid.uuid4().hex},{settings.base_dn}"


def check_password(settings: DirectorySettings, login: str, password: str) -> Person | None:
    """The person whose login and password these are, or None. An empty password is refused
    before any bind: directories treat a bind with a name and no password as anonymous, and
    it "succeeds"."""
    if not password or not login or "\x00" in password:
        return None
    server = _server(settings)
    if settings.dn_template:
        dn = settings.dn_template.replace("{login}", escape_rdn(login))
        conn = _bind(settings, server, dn, password)
        if conn is None:
            return None
        try:
            person = _read(settings, conn, dn)
            if person is not None:
                person.groups = GroupResolver(settings, conn).resolve(person)
            return person
        finally:
            conn.unbind()
    service = service_connection(settings)
    try:
        person = find(settings, service, login, groups=False)
        # Nobody (or several) with that login: bind anyway, as a name that cannot be anyone's,
        # so that the directory works as much as for a wrong password (a search and a bind;
        # the groups are read only once the password is right), and the answer takes as long
        # whether or not the person exists.
        conn = _bind(settings, server, person.dn if person else _nobody(settings), password)
        if conn is not None:
            conn.unbind()
        if person is None or conn is None:
            return None
        person.groups = GroupResolver(settings, service).resolve(person)
        return person
    finally:
        service.unbind()


def everyone(settings: DirectorySettings) -> list[Person]:
    """Every person the sync filter finds under the base DN, with their groups (paged: Active
    Directory answers at most 1,000 entries a page)."""
    conn = service_connection(settings)
    try:
        entries = conn.extend.standard.paged_search(
            settings.base_dn,
            settings.sync_filter,
            SUBTREE,
            attributes=_attribute_names(settings),
            paged_size=500,
            generator=False,
        )
        people = [
            person_from(settings, e["dn"], e["attributes"])
            for e in entries
            if e.get("type") == "searchResEntry"
        ]
        resolver = GroupResolver(settings, conn)
        for person in people:
            person.groups = resolver.resolve(person)
        if conn.result.get("result") not in (0, None):
            raise DirectoryUnavailable(f"the search failed: {conn.result.get('description')}")
        return people
    finally:
        conn.unbind()
