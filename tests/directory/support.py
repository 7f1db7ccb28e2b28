"""A real OpenLDAP server (slapd) for the directory tests: its own configuration in a temporary
folder, on free loopback ports, with the memberof overlay, the password-policy overlay (for
pwdAccountLockedTime), a few Active Directory attribute types, TLS from a CA made here, and the
monitor (which counts the binds it answered)."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ports import free_port

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
BASE = "dc=firma,dc=ro"
ADMIN_DN = f"cn=admin,{BASE}"
ADMIN_PASSWORD = "admin-secret"
PASSWORD = "parola-Sigura-1"

# Active Directory's attributes, under a private arc: slapd has no such schema of its own.
AD_SCHEMA = """
attributetype ( 1.3.6.1.4.1.99999.1.1 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.1.2 NAME 'userPrincipalName'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.1.3 NAME 'proxyAddresses'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 1.3.6.1.4.1.99999.1.4 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.99999.1.5 NAME 'department'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.2.1 NAME 'user' SUP top AUXILIARY
  MAY ( sAMAccountName $ userPrincipalName $ proxyAddresses $ userAccountControl $
        department ) )
"""

CONFIG = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {dir}/ad.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
moduleload ppolicy
pidfile {dir}/slapd.pid
TLSCACertificateFile {dir}/ca.pem
TLSCertificateFile {dir}/server.pem
TLSCertificateKeyFile {dir}/server.key
database mdb
suffix "{base}"
rootdn "{admin}"
rootpw {password}
directory {dir}/data
overlay memberof
overlay ppolicy
database monitor
access to dn.subtree="cn=Monitor" by * read
"""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(folder: Path) -> None:
    """A CA and a certificate for localhost signed by it (and nothing the system trusts)."""
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA",
        "-keyout", "ca.key", "-out", "ca.pem", cwd=folder,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
        "-keyout", "server.key", "-out", "server.csr", cwd=folder,
    )  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem", cwd=folder,
    )  # fmt: skip


@dataclass
class Slapd:
    folder: Path
    port: int
    tls_port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"ldap://localhost:{self.port}"

    @property
    def tls_url(self) -> str:
        return f"ldaps://localhost:{self.tls_port}"

    @property
    def ca_file(self) -> str:
        return str(self.folder / "ca.pem")

    def load(self, ldif: str) -> None:
        subprocess.run(
            ["ldapadd", "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD],
            input=ldif.encode(),
            check=True,
            capture_output=True,
        )

    def binds(self) -> int:
        """How many binds slapd has answered (its monitor's count, this reading's own bind
        included)."""
        found = subprocess.run(
            ["ldapsearch", "-x", "-LLL", "-H", self.url, "-s", "base",
             "-b", "cn=Bind,cn=Operations,cn=Monitor", "monitorOpCompleted"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        return int(found.split("monitorOpCompleted:")[1].split()[0])

    def delete(self, *dns: str) -> None:
        subprocess.run(
            ["ldapdelete", "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD, *dns],
            check=True,
            capture_output=True,
        )

    def modify(self, ldif: str) -> None:
        subprocess.run(
            ["ldapmodify", "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD],
            input=ldif.encode(),
            check=True,
            capture_output=True,
        )


def start_slapd(folder: Path) -> Slapd:
    if not Path(SLAPD).exists():
        pytest.skip("slapd is not installed (apt-get install slapd ldap-utils)")
    (folder / "data").mkdir()
    (folder / "ad.schema").write_text(AD_SCHEMA)
    make_ca(folder)
    (folder / "slapd.conf").write_text(
        CONFIG.format(dir=folder, base=BASE, admin=ADMIN_DN, password=ADMIN_PASSWORD)
    )
    port, tls_port = free_port(), free_port()
    urls = f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/"
    process = subprocess.Popen(
        [SLAPD, "-f", str(folder / "slapd.conf"), "-h", urls, "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Slapd(folder, port, tls_port, process)
    deadline = time.monotonic() + 15
    while True:
        probe = subprocess.run(
            ["ldapsearch", "-x", "-H", server.url, "-b", "", "-s", "base"], capture_output=True
        )
        if probe.returncode == 0:
            return server
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            with process.stderr:
                raise RuntimeError("slapd did not start: " + process.stderr.read().decode()[-2000:])
        time.sleep(0.1)


def stop_slapd(server: Slapd) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    server.process.stderr.close()
