"""The select fields that write their options directly draw the same HTML as WTForms' own."""

from __future__ import annotations

import wtforms
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice as C

from dispatch.selects import SelectField, SelectMultipleField


def _pair(direct, plain, choices, data):
    class Direct(wtforms.Form):
        f = direct(choices=choices, validate_choice=False)

    class Plain(wtforms.Form):
        f = plain(choices=choices, validate_choice=False)

    return Direct(MultiDict(data)).f(class_="form-select"), Plain(MultiDict(data)).f(
        class_="form-select"
    )


CHOICES = [
    C("", "—"),
    C("1", 'Ana "<b>" & Co', optgroup="Agents"),
    C("2", "Ștefan Țurcanu", optgroup="Agents"),
    C("3", "", optgroup="Technicians"),  # no label: the value shows
    C("4", "Off", render_kw={"disabled": True}),
]


def test_one_choice_draws_as_wtforms_draws_it():
    for data in ({}, {"f": "2"}, {"f": "3"}, {"f": "4"}):
        direct, plain = _pair(SelectField, wtforms.SelectField, CHOICES, data)
        assert str(direct) == str(plain)
    assert 'selected value="2">Ștefan Țurcanu</option>' in str(
        _pair(SelectField, wtforms.SelectField, CHOICES, {"f": "2"})[0]
    )


def test_several_choices_and_plain_values_draw_as_wtforms_draws_them():
    plain_choices = [C(1, "One"), C(2, "Two <2>"), C(True, "Yes"), C(None, "None")]
    for data in ({}, {"f": ["1", "2"]}):
        direct, plain = _pair(SelectMultipleField, wtforms.SelectMultipleField, plain_choices, data)
        assert str(direct) == str(plain)
        assert "multiple" in str(direct)
