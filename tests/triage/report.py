"""The triage classifier's held-out accuracy, overall and per language, printed in the terminal
summary of every run that includes tests/triage.

A plugin of the whole suite (``pytest_plugins`` in tests/conftest.py), not a conftest of
tests/triage: under pytest-xdist the controlling process collects nothing, so only a plugin it
loads itself can print the figures its workers measured."""

import pytest

KEY = "triage_accuracy"


@pytest.fixture
def accuracy_report(request):
    """Store the measured accuracy; ``pytest_terminal_summary`` prints it at the end. It travels
    with the test's report (``user_properties``), which pytest-xdist sends back from its
    workers, so the summary has it whichever process ran the test."""

    def store(**values):
        request.node.user_properties.append((KEY, values))

    return store


def _stored(terminalreporter):
    for report in terminalreporter.stats.get("passed", []):
        for name, values in getattr(report, "user_properties", []):
            if name == KEY:
                return values
    return None


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    values = _stored(terminalreporter)
    if values:
        terminalreporter.write_sep("-", "triage classifier")
        terminalreporter.write_line(
            "triage classifier held-out accuracy: {accuracy:.2f} (n={n_test} held out, trained on "
            "{n_train}; majority-class baseline {baseline:.2f}; on-site P/R {op:.2f}/{orc:.2f}, "
            "remote P/R {rp:.2f}/{rr:.2f})".format(**values)
        )
        for lang, (accuracy, n_test, baseline) in sorted(values.get("languages", {}).items()):
            terminalreporter.write_line(
                f"  {lang}: {accuracy:.2f} (n={n_test} held out; "
                f"majority-class baseline {baseline:.2f})"
            )
