"""Writes tests/mail/corpus/*.eml: hostile and broken messages made for Dispatch's tests.

Run ``python -m tests.mail.make_corpus`` (from the project's root) after changing a message
here; the files are committed.
"""

import base64
import os

from tests.mail.tnef import winmail

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def w(name, text):
    data = (
        text
        if isinstance(text, bytes)
        else text.replace("\n", "\r\n").encode("utf-8", "surrogateescape")
    )
    open(os.path.join(D, name), "wb").write(data)


H = (
    "From: Ioana Marin <ioana.marin@example.com>\nTo: help@example.com\n"
    "Date: Tue, 03 Mar 2026 09:00:00 +0000\n"
)

w(
    "missing-boundary.eml",
    H
    + """Subject: Monitor flickers
Message-ID: <c-missing-boundary@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed

--whatever
Content-Type: text/plain

The monitor in room 204 flickers every few seconds.
--whatever--
""",
)
w(
    "wrong-boundary.eml",
    H
    + """Subject: Keyboard keys stuck
Message-ID: <c-wrong-boundary@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="AAA"

--BBB
Content-Type: text/plain; charset=utf-8

Several keys on my keyboard are stuck.
--BBB--
""",
)
w(
    "unterminated-multipart.eml",
    H
    + """Subject: Docking station
Message-ID: <c-unterminated@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="X1"

--X1
Content-Type: text/plain; charset=utf-8

The docking station does not charge my laptop.
--X1
Content-Type: application/pdf; name="manual.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfs
""",
)


# nesting: 30 levels (inner text beyond the depth limit) and 150 levels (refused outright)
def nested(levels, mid):
    head = (
        H + f"Subject: Nested {levels}\nMessage-ID: <{mid}@example.com>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b0"\n\n'
    )
    body = "--b0\nContent-Type: text/plain\n\nOuter words about the projector.\n"
    for i in range(levels):
        body += f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n'
    body += f"--b{levels}\nContent-Type: text/plain\n\nInnermost words.\n--b{levels}--\n"
    return head + body


w("nested-30.eml", nested(30, "c-nested-30"))
w("nested-150.eml", nested(150, "c-nested-150"))
w(
    "unknown-charset.eml",
    H
    + """Subject: Phone
Message-ID: <c-unknown-charset@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset="x-made-up-charset"

My desk phone shows no dial tone.
""",
)
w(
    "lying-charset-ascii.eml",
    (
        H
        + """Subject: Café machine
Message-ID: <c-lying-ascii@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 8bit

The café machine in the lobby shows “Err 9”.
"""
    ),
)
w(
    "lying-charset-latin1.eml",
    (
        H
        + """Subject: Imprimantă
Message-ID: <c-lying-latin1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: 8bit

Imprimanta de la etajul 3 nu funcționează.
"""
    ),
)
w(
    "codec-charset.eml",
    H
    + """Subject: Scanner
Message-ID: <c-codec-charset@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=rot13

The scanner jams on every page.
""",
)
w(
    "real-latin1.eml",
    (
        H + "Subject: =?iso-8859-1?q?Gr=FC=DFe?=\nMessage-ID: <c-real-latin1@example.com>\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable\n\nDer Drucker im B=FCro ist kaputt.\n"
    ),
)
w(
    "encoded-word-from.eml",
    """From: =?utf-8?q?it-boss=40example.com_=3Cit-boss=40example.com=3E?= <mallory@evil.example>
To: help@example.com
Subject: =?x-unknown?b?SGVsbG8=?= Urgent wire
Message-ID: <c-encoded-from@evil.example>
Content-Type: text/plain

Please reset the CEO's password and send it to me.
""",
)
w(
    "parseaddr-confusion.eml",
    """From: alice@example.com)<mallory@evil.example>
To: help@example.com
Subject: Give me access
Message-ID: <c-parseaddr@evil.example>

Please add me to the finance group.
""",
)
w(
    "two-senders.eml",
    """From: alice@example.com, mallory@evil.example
To: help@example.com
Subject: Two senders
Message-ID: <c-two-senders@evil.example>

Who sent this?
""",
)
w(
    "no-from.eml",
    """To: help@example.com
Subject: Anonymous
Message-ID: <c-no-from@example.com>

No sender at all.
""",
)
w("garbage.eml", bytes(range(256)) * 20)
w("empty.eml", b"")
w("header-only.eml", H + "Subject: Only headers\nMessage-ID: <c-header-only@example.com>\n")
w(
    "bad-base64.eml",
    H
    + """Subject: Broken base64
Message-ID: <c-bad-base64@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

VGhlIHdpZmkgaW4gdGhlIG1lZXRpbmcgcm9vbSBkcm9wcy4=*&^%$#@!not base64 at all
""",
)
w(
    "nul-in-headers.eml",
    (
        H.replace("Ioana Marin", "Ioana\x00Marin")
        + "Subject: Null\x00bytes\x01here\nMessage-ID: <c-nul\x00id@example.com>\n"
        "In-Reply-To: <a\x00b@example.com>\n\nBody with a \x00 NUL.\n"
    ),
)
w(
    "html-only-hostile.eml",
    H
    + """Subject: HTML only
Message-ID: <c-html-hostile@example.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><style>body{display:none}</style><script>alert('x')</script></head>
<body><p>The <b>projector</b> in room 5 is broken.</p><img src="x" onerror="alert(1)">
<svg onload="alert(2)"><a href="javascript:alert(3)">click</a></svg>
<iframe src="https://evil.example/"></iframe><!-- hidden comment --></body></html>
""",
)
w(
    "rfc2231-filename.eml",
    H
    + """Subject: Log files attached
Message-ID: <c-rfc2231@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="R2231"

--R2231
Content-Type: text/plain; charset=utf-8

Logs attached.
--R2231
Content-Type: application/octet-stream
Content-Disposition: attachment;
 filename*0*=utf-8''Rapport%20de%20s%C3%A9;
 filename*1*=curit%C3%A9%20;
 filename*2="2026.log"
Content-Transfer-Encoding: base64

bG9nIGxpbmUK
--R2231--
""",
)
w(
    "traversal-names.eml",
    H
    + """Subject: Files with odd names
Message-ID: <c-traversal@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="T"

--T
Content-Type: text/plain

See attached.
--T
Content-Type: text/plain; name="../../../../etc/cron.d/evil"
Content-Disposition: attachment; filename="../../../../etc/cron.d/evil"

* * * * * root rm -rf /
--T
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="..\\\\..\\\\windows\\\\win.ini"

[fonts]
--T
Content-Type: image/svg+xml
Content-Disposition: attachment; filename="drawing.svg"

<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>
--T--
""",
)
tnef = winmail(
    "The laptop battery swells. Photos in the attachments.",
    [("battery.jpg", b"\xff\xd8\xff\xe0 fake jpeg"), ("serial.txt", b"SN 12345\n")],
)
b64 = base64.encodebytes(tnef).decode()
w(
    "tnef-winmail.eml",
    H
    + f"""Subject: Swollen battery
Message-ID: <c-tnef@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="W"

--W
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

{b64}--W--
""",
)
w(
    "tnef-broken.eml",
    H
    + """Subject: Broken winmail
Message-ID: <c-tnef-broken@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="W"

--W
Content-Type: text/plain

Outlook mangled this.
--W
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

eJ8+IgEAAAAAAAAA
--W--
""",
)
w(
    "message-rfc822-attached.eml",
    H
    + """Subject: Fwd: phishing?
Message-ID: <c-forward@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="F"

--F
Content-Type: text/plain

Is this phishing?
--F
Content-Type: message/rfc822

From: bank@phish.example
Subject: Verify your account

Click here.
--F--
""",
)
w(
    "long-message-id.eml",
    H
    + "Subject: Long id\nMessage-ID: <"
    + "x" * 5000
    + "@example.com>\n\nA very long Message-ID.\n",
)
w(
    "folded-subject-tag.eml",
    H + "Subject: Re: =?utf-8?b?W1w=?= hello [#999999]\nMessage-ID: <c-folded@example.com>\n\n"
    "Tag for a ticket that does not exist.\n",
)
