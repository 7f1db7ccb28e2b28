"""Select fields whose options are written directly, for the forms that offer many of them
(the staff panel's people, the inbox's filters): WTForms draws each option through its general
attribute writer, which was a tenth of a ticket page. The HTML is the same, to the letter."""

from __future__ import annotations

import wtforms
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select


class DirectSelect(Select):
    @classmethod
    def render_option(cls, choice: SelectChoice, **kwargs) -> Markup:
        if kwargs or choice.render_kw:  # attributes of their own: WTForms writes them
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')


class SelectField(wtforms.SelectField):
    widget = DirectSelect()


class SelectMultipleField(wtforms.SelectMultipleField):
    widget = DirectSelect(multiple=True)
