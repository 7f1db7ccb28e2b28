"""The mail channel: support mail in (pipe or IMAP) as tickets and replies, notifications out."""

from dispatch.mail import outbound  # noqa: F401  (installs the outbox listeners)
from dispatch.mail.views import bp  # noqa: F401
