"""The notification pages' one form: buttons that only need the CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """Mark read, mark all read."""
