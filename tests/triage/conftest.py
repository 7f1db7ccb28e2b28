"""Triage tests: the held-out accuracy is printed in the terminal summary of every run."""
import pytest

ACCURACY = pytest.StashKey[dict]()


@pytest.fixture
def accuracy_report(request):
    """Store the measured accuracy; ``pytest_terminal_summary`` prints it at the end."""

    def store(**values):
        request.config.stash[ACCURACY] = values

    return store


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    values = config.stash.get(ACCURACY, None)
    if values:
        terminalreporter.write_sep("-", "triage classifier")
        terminalreporter.write_line(
            "triage classifier held-out accuracy: {accuracy:.2f} (n={n_test} held out, trained on "
            "{n_train}; majority-class baseline {baseline:.2f}; on-site P/R {op:.2f}/{orc:.2f}, "
            "remote P/R {rp:.2f}/{rr:.2f})".format(**values))
