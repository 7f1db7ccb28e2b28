"""A plan solved day by day says what can be said of every day: the weakest stop reason."""

from dispatch.routing.days import _weakest


def test_the_weakest_stop_reason_of_the_days_is_the_plans():
    assert _weakest("", "optimal") == "optimal"
    assert _weakest("optimal", "converged") == "converged"
    assert _weakest("converged", "optimal") == "converged"
    assert _weakest("converged", "time_limit") == "time_limit"
    assert _weakest("time_limit", "optimal") == "time_limit"
    assert _weakest("", "") == ""
