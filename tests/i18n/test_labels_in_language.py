"""The templates' labels: each vocabulary translated once per language, the right one for each
page, whatever language was asked for first."""

from __future__ import annotations

from flask_babel import force_locale

from dispatch import labels


def test_each_language_gets_its_own_labels(app):
    with app.test_request_context("/"):
        with force_locale("ro"):
            ro = labels.in_language("ro")
        with force_locale("en"):
            en = labels.in_language("en")
        assert ro.STATUS["new"] == "Nou" and en.STATUS["new"] == "New"
        assert labels.in_language("ro") is ro  # made once
        assert isinstance(ro.KIND[None], str)
        # What is not a vocabulary of texts is the module's own.
        assert ro.STATUS_BADGE is labels.STATUS_BADGE
        assert ro.language_name("ro") == "Română"


def test_a_page_shows_the_labels_in_its_reader_s_language(client, auth, make_user, make_ticket):
    requester = make_user()
    make_ticket(requester=requester)
    ro_user, en_user = make_user("dispatcher"), make_user("dispatcher")
    ro_user.locale, en_user.locale = "ro", "en"
    from dispatch.extensions import db

    db.session.commit()
    pages = {}
    for user in (en_user, ro_user, en_user):
        auth.login(user)
        pages.setdefault(user.locale, []).append(client.get("/desk/inbox").get_data(as_text=True))
        auth.logout()
    assert all(">New</span>" in page for page in pages["en"])
    assert ">Nou</span>" in pages["ro"][0] and ">New</span>" not in pages["ro"][0]
