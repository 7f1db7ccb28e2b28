"""The company in the test directory: people with diacritics in their names, departments,
sites, groups for each role (one nested), a disabled account and a mail alias."""

from __future__ import annotations

from tests.directory.support import BASE, PASSWORD

GROUPS = f"ou=grupuri,{BASE}"
PEOPLE = f"ou=oameni,{BASE}"
SERVICE_DN = f"cn=dispatch,ou=servicii,{BASE}"
SERVICE_PASSWORD = "serviciu-secret"

ROLE_GROUPS = {
    f"cn=Helpdesk-Dispatchers,{GROUPS}": "dispatcher",
    f"cn=Helpdesk-Agents,{GROUPS}": "agent",
    f"cn=Field-Technicians,{GROUPS}": "technician",
    f"cn=Dispatch-Admins,{GROUPS}": "admin",
}


def _person(uid, cn, mail, ou, city, phone, extra=""):
    return f"""dn: uid={uid},{PEOPLE}
objectClass: inetOrgPerson
uid: {uid}
cn: {cn}
sn: {cn.split()[-1]}
mail: {mail}
ou: {ou}
l: {city}
telephoneNumber: {phone}
userPassword: {PASSWORD}
{extra}
"""


def ldif() -> str:
    people = [
        _person("sturcanu", "Ștefan Țurcanu", "stefan.turcanu@firma.ro", "Logistică",
                "Cluj-Napoca", "+40 264 100 100",
                "mail: s.turcanu@firma.ro\npreferredLanguage: ro-RO\n"),
        _person("imargarit", "Ioana Mărgărit", "ioana.margarit@firma.ro", "Suport IT",
                "BRASOV", "+40 268 200 200"),
        _person("adumitrescu", "Andrei Dumitrescu", "andrei.dumitrescu@firma.ro", "Teren",
                "Brașov", "+40 268 300 300"),
        _person("epopa", "Elena Popa", "elena.popa@firma.ro", "Contabilitate",
                "Timișoara", "+40 256 400 400", "preferredLanguage: en\n"),
        _person("rionescu", "Radu Ionescu", "radu.ionescu@firma.ro", "Suport IT",
                "CJ", "+40 264 500 500"),
        _person("mplecat", "Mihai Plecat", "mihai.plecat@firma.ro", "Teren", "Cluj-Napoca",
                "+40 264 600 600", "pwdAccountLockedTime: 000001010000Z\n"),
    ]  # fmt: skip
    groups = [
        ("Helpdesk-Dispatchers", [f"uid=sturcanu,{PEOPLE}"]),
        ("Helpdesk-Agents", [f"uid=imargarit,{PEOPLE}", f"cn=Agenti-Brasov,{GROUPS}"]),
        ("Agenti-Brasov", [f"uid=rionescu,{PEOPLE}"]),
        ("Field-Technicians", [f"uid=adumitrescu,{PEOPLE}", f"uid=sturcanu,{PEOPLE}"]),
        ("Dispatch-Admins", [f"uid=nimeni,{PEOPLE}"]),
    ]
    # Nested first: a group's members must exist for memberof to note them.
    ordered = [groups[2], groups[0], groups[1], groups[3], groups[4]]
    text = f"""dn: {BASE}
objectClass: dcObject
objectClass: organization
dc: firma
o: Firma SRL

dn: ou=oameni,{BASE}
objectClass: organizationalUnit
ou: oameni

dn: ou=grupuri,{BASE}
objectClass: organizationalUnit
ou: grupuri

dn: ou=servicii,{BASE}
objectClass: organizationalUnit
ou: servicii

dn: {SERVICE_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: dispatch
userPassword: {SERVICE_PASSWORD}

"""
    text += "\n".join(people)
    for name, members in ordered:
        text += f"\ndn: cn={name},{GROUPS}\nobjectClass: groupOfNames\ncn: {name}\n"
        text += "".join(f"member: {m}\n" for m in members)
    return text


AD_BASE = f"ou=ad,{BASE}"
AD_DISPATCHERS = f"cn=Helpdesk-Dispatchers,{AD_BASE}"


def ad_ldif() -> str:
    """People shaped as Active Directory describes them (its attribute types come from the
    test slapd's small schema): the main address only in proxyAddresses, a disabled account."""
    return f"""dn: {AD_BASE}
objectClass: organizationalUnit
ou: ad

dn: cn=Gheorghe Vasile,{AD_BASE}
objectClass: inetOrgPerson
objectClass: user
cn: Gheorghe Vasile
sn: Vasile
displayName: Gheorghe Vasile
sAMAccountName: gvasile
userPrincipalName: gvasile@firma.local
proxyAddresses: SMTP:gheorghe.vasile@firma.ro
proxyAddresses: smtp:g.vasile@firma.ro
proxyAddresses: X500:/o=Firma/ou=Exchange/cn=gvasile
department: Achiziții
physicalDeliveryOfficeName: brasov
telephoneNumber: +40 268 700 700
userAccountControl: 512
userPassword: {PASSWORD}

dn: cn=Dana Închisă,{AD_BASE}
objectClass: inetOrgPerson
objectClass: user
cn: Dana Închisă
sn: Închisă
displayName: Dana Închisă
sAMAccountName: dinchisa
mail: dana.inchisa@firma.ro
userAccountControl: 514
userPassword: {PASSWORD}

dn: {AD_DISPATCHERS}
objectClass: groupOfNames
cn: Helpdesk-Dispatchers
member: cn=Gheorghe Vasile,{AD_BASE}
"""
