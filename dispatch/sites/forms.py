"""The form that places a site by hand (dragged marker or typed numbers)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField
from wtforms.validators import Optional


class PointForm(FlaskForm):
    latitude = FloatField(
        _l("Latitude"), validators=[Optional()], description=_l("Decimal degrees, -90 to 90.")
    )
    longitude = FloatField(
        _l("Longitude"), validators=[Optional()], description=_l("Decimal degrees, -180 to 180.")
    )
