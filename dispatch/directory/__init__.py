"""Signing in against the company directory (LDAP, Active Directory) and keeping accounts in
step with it (docs/directory.md)."""
