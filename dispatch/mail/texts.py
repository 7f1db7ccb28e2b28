"""Default texts of the messages Dispatch sends; admins may replace each (MailTemplate rows).

Rendered by Jinja's sandbox with plain strings only (see ``VARIABLES``): a template can neither
reach the application's objects nor run code.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

#: The line a reply is cut at, in the recipient's language (call under their locale). The reader
#: cuts at any "##- … -##" line (dispatch.mail.parse), whatever language the marker was sent in.
MARKER = _l("##- Please type your reply above this line -##")

VARIABLES = {
    "number": _l("ticket number, e.g. #42"),
    "subject": _l("ticket subject"),
    "link": _l("link to the ticket page"),
    "requester": _l("requester's name"),
    "status": _l("current status"),
    "assignee": _l("who has the ticket"),
    "author": _l("who wrote the comment"),
    "comment": _l("the comment's text"),
    "reopen_link": _l("one-click reopen link (resolved message)"),
    "window_date": _l("visit date"),
    "window_start": _l("start of the arrival window"),
    "window_end": _l("end of the arrival window"),
    "technician": _l("technician's name"),
    "eta": _l("expected arrival time"),
    "site": _l("site name"),
    "reason": _l("why the message was refused"),
    "marker": _l("the reply-above-this-line marker"),
    "reset_link": _l("link to choose a new password (password message)"),
    "set_password_link": _l(
        "link to set a first password (acknowledgement to a requester who has none yet, "
        "welcome message)"
    ),
    "valid_for": _l("how long the password link works"),
    "target": _l("which service-level target: first response or resolution (warnings)"),
    "due": _l("when the target is due (warnings)"),
    "month": _l("the month summed up (monthly summary)"),
    "created": _l("requests created in the month (monthly summary)"),
    "finished": _l("requests resolved or closed in the month (monthly summary)"),
    "first_response_met": _l("share of first responses in time (monthly summary)"),
    "resolution_met": _l("share of resolutions in time (monthly summary)"),
    "breaches": _l("requests whose service level was missed (monthly summary)"),
}

HEADER = "{{ marker }}\n\n"
FOOTER = "\n\n-- \nDispatch · {{ link }}\n"

DEFAULTS: dict[str, tuple[object, object, bool]] = {
    "ack": (
        _l("[{{ number }}] Received: {{ subject }}"),
        _l(
            "Hello {{ requester }},\n\nWe received your request and gave it the number "
            "{{ number }}. A dispatcher will look at it shortly.\n\nYou can follow it "
            "here: {{ link }}\nTo add something, reply to this message."
            "{% if set_password_link %}\n\nTo follow your requests online, set a "
            "password for your account: {{ set_password_link }}\n(The link works for "
            "{{ valid_for }}.){% endif %}"
        ),
        True,
    ),
    "assigned": (
        _l("[{{ number }}] Assigned: {{ subject }}"),
        _l("Hello {{ requester }},\n\n{{ assignee }} is now handling your request {{ number }}."),
        True,
    ),
    "scheduled": (
        _l("[{{ number }}] Visit planned {{ window_date }}: {{ subject }}"),
        _l(
            "Hello {{ requester }},\n\nA technician will come for {{ number }} on "
            "{{ window_date }}, arriving between {{ window_start }} and "
            "{{ window_end }}{% if site %} at {{ site }}{% endif %}."
        ),
        True,
    ),
    "on_the_way": (
        _l("[{{ number }}] Technician on the way: {{ subject }}"),
        _l(
            "Hello {{ requester }},\n\n{{ technician }} is on the way for {{ number }}"
            "{% if eta %} and should arrive around {{ eta }}{% endif %}."
        ),
        True,
    ),
    "resolved": (
        _l("[{{ number }}] Resolved: {{ subject }}"),
        _l(
            "Hello {{ requester }},\n\nWe think {{ number }} is fixed.\n\nIf it is not, "
            "reopen it with one click: {{ reopen_link }}\n(or simply reply to this "
            "message)."
        ),
        True,
    ),
    "comment": (
        _l("[{{ number }}] New reply: {{ subject }}"),
        _l("{{ author }} wrote on {{ number }}:\n\n{{ comment }}"),
        True,
    ),
    "rejected": (
        _l("Not delivered to the help desk"),
        _l(
            "Hello,\n\nYour message to the help desk could not be accepted: {{ reason }}.\n"
            "No request was opened. Please send it again without the large files, or use the "
            "web form and attach them there.\n\n-- \nDispatch"
        ),
        False,
    ),
    "password": (
        _l("Your password link for Dispatch"),
        _l(
            "Hello {{ requester }},\n\nSomeone, probably you, asked for a link to choose a new "
            "password for your Dispatch account.\n\nChoose it here: {{ reset_link }}\n"
            "The link works for {{ valid_for }} and only once.\n\nIf you did not ask for it, "
            "ignore this message: your password stays as it is.\n\n-- \nDispatch"
        ),
        False,
    ),
    "welcome": (
        _l("Your account on Dispatch"),
        _l(
            "Hello {{ requester }},\n\nAn account on Dispatch, the company's help desk, was "
            "made for you. Choose your password here: {{ set_password_link }}\n"
            'The link works for {{ valid_for }} and only once; after that, use "Forgot your '
            'password?" on the sign-in page.\n\n-- \nDispatch'
        ),
        False,
    ),
    "sla_warning": (
        _l("[{{ number }}] {{ target }} due {{ due }}: {{ subject }}"),
        _l(
            "Most of the time for the {{ target }} of {{ number }} is used: it is due "
            "{{ due }}.\n\n{{ subject }}\nRequester: {{ requester }}\n{{ link }}"
        ),
        False,
    ),
    "sla_breach": (
        _l("[{{ number }}] {{ target }} target missed: {{ subject }}"),
        _l(
            "{{ number }} missed its {{ target }} target, due {{ due }}."
            "{% if assignee %} It is with {{ assignee }}.{% else %} Nobody has it yet.{% endif %}"
            "\n\n{{ subject }}\nRequester: {{ requester }}\n{{ link }}"
        ),
        False,
    ),
    "report_summary": (
        _l("Help desk summary for {{ month }}"),
        _l(
            "The help desk in {{ month }}:\n\n"
            "Requests created: {{ created }}\n"
            "Requests resolved or closed: {{ finished }}\n"
            "First responses in time: {{ first_response_met }}\n"
            "Resolutions in time: {{ resolution_met }}\n"
            "Requests whose service level was missed: {{ breaches }}\n\n"
            "Every figure, with its charts: {{ link }}\n\n-- \nDispatch"
        ),
        False,
    ),
}

LABELS = {
    "ack": _l("Acknowledgement"),
    "assigned": _l("Assigned"),
    "scheduled": _l("Visit scheduled"),
    "on_the_way": _l("Technician on the way"),
    "resolved": _l("Resolved"),
    "comment": _l("Comment from staff"),
    "rejected": _l("Message refused"),
    "password": _l("Password link"),
    "welcome": _l("Welcome to a new account"),
    "sla_warning": _l("Service level: warning (to staff)"),
    "sla_breach": _l("Service level: breach (to staff)"),
    "report_summary": _l("Monthly summary (to the chosen addresses)"),
}


def default_text(key: str) -> tuple[str, str]:
    """(subject, body) of the built-in template ``key``, in the current language."""
    subject, body, framed = DEFAULTS[key]
    return str(subject), (HEADER + str(body) + FOOTER) if framed else str(body)


def state_label(status: str) -> str:
    """A received or queued message's state (MailStatus, OutboxStatus) for the admin pages, in
    the reader's language; the stored value stays the key."""
    names = {
        "ticket": pgettext("mail state", "ticket"),
        "comment": pgettext("mail state", "comment"),
        "duplicate": pgettext("mail state", "duplicate"),
        "quarantine": pgettext("mail state", "quarantine"),
        "rejected": pgettext("mail state", "rejected"),
        "dropped": pgettext("mail state", "dropped"),
        "discarded": pgettext("mail state", "discarded"),
        "pending": pgettext("mail state", "pending"),
        "sending": pgettext("mail state", "sending"),
        "sent": pgettext("mail state", "sent"),
        "local": pgettext("mail state", "local"),
        "suppressed": pgettext("mail state", "suppressed"),
        "failed": pgettext("mail state", "failed"),
    }
    return names.get(status, status)


def outbox_note(text: str) -> str:
    """Why a queued message was not sent, for the admin pages in the reader's language. The row
    keeps the English reason (the logs' language); a server's own error is shown as it came."""
    names = {
        "rate limit: too many automatic answers to this address": _(
            "too many automatic answers to this address in the last hour"
        ),
        "rate limit: MAIL_AUTO_REPLY_LIMIT automatic answers this hour": _(
            "MAIL_AUTO_REPLY_LIMIT automatic answers reached this hour"
        ),
        "requester deactivated": _("the requester's account is deactivated"),
        "account deactivated or gone": _("the account is deactivated or deleted"),
        "the account's address changed since": _("the account's address has changed since"),
        "no usable address": _("no usable address"),
        "addressed to ourselves": _("addressed to Dispatch itself"),
        "no longer resolved": _("the ticket is no longer resolved"),
        "comment not public": _("the comment is not public"),
    }
    return str(names.get(text, text))
