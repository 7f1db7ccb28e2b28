"""The VROOM-JSON adapter: what it accepts, and every kind of bad input it must reject.

Bad input is tried twice: through :func:`parse_problem` (fast, exact message) and through the
command line in a subprocess (exit 2, a JSON error naming the place, never a traceback).
"""

from __future__ import annotations

import copy
import io
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.routing import InputError, cli, loads_problem, parse_problem
from dispatch.routing.json_output import dump_problem, dump_solution
from dispatch.routing.model import HORIZON, PinnedStep, Solution
from tests.routing.support import SAMPLE, dumps, run_cli, sample
from tests.routing.test_properties import SETTINGS, pinned_problems, problems


def test_sample_is_parsed_into_the_model():
    p = parse_problem(SAMPLE)
    assert [j.id for j in p.jobs] == [10, 11, 12, 13]
    j10 = p.jobs[0]
    assert j10.location_index == 1 and j10.service == 600 and j10.priority == 1
    assert j10.time_windows == ((30000, 36000),) and j10.skills == frozenset({1})
    assert j10.delivery == (2,)
    assert p.jobs[1].time_windows == ((0, HORIZON),)  # no window: any time
    v = p.vehicles[0]
    assert (v.start_index, v.end_index, v.time_window) == (0, 0, (28800, 61200))
    assert v.capacity == (4,) and v.max_travel_time == 3600 and v.max_tasks is None
    assert v.breaks[0].id == 7 and v.breaks[0].time_windows == ((43200, 46800),)
    assert p.durations[1][2] == 300


def test_every_documented_key_is_accepted():
    doc = sample()
    doc["jobs"][0].update(
        description="boiler", location=[2.35, 48.85], time_windows=[[40000, 50000], [30000, 36000]]
    )
    doc["vehicles"][0].update(
        description="Ann",
        start=[2.3, 48.8],
        end=[2.3, 48.8],
        max_tasks=5,
        steps=[
            {"type": "start"},
            {"type": "job", "id": 10, "service_after": 30000},
            {"type": "break", "id": 7},
            {"type": "end"},
        ],
    )
    doc["vehicles"][0]["breaks"][0]["description"] = "lunch"
    p = parse_problem(doc)
    assert p.jobs[0].location == (2.35, 48.85) and p.jobs[0].description == "boiler"
    assert p.jobs[0].time_windows == ((30000, 36000), (40000, 50000))  # sorted
    v = p.vehicles[0]
    assert v.start == (2.3, 48.8) and v.max_tasks == 5 and v.description == "Ann"
    assert v.steps[1] == PinnedStep(type="job", id=10, service_after=30000)
    assert [s.type for s in v.steps] == ["start", "job", "break", "end"]


def test_coordinates_give_a_deduplicated_great_circle_matrix():
    doc = {
        "vehicles": [{"id": 1, "start": [2.35, 48.85], "end": [2.35, 48.85]}],
        "jobs": [
            {"id": 1, "location": [2.29, 48.86]},
            {"id": 2, "location": [2.35, 48.85]},
            {"id": 3, "location": [2.29, 48.86]},
        ],
        "options": {"speed_kmh": 30, "circuity": 1.5},
    }
    p = parse_problem(doc)
    # Indices in order of first appearance, jobs first; the same place has one index.
    assert [j.location_index for j in p.jobs] == [0, 1, 0]
    assert p.vehicles[0].start_index == p.vehicles[0].end_index == 1
    assert len(p.durations) == 2
    # ~4.5 km apart as the crow flies, × 1.5 at 30 km/h: about 13.5 minutes.
    assert 700 < p.durations[0][1] == p.durations[1][0] < 900
    slower = parse_problem({**doc, "options": {"speed_kmh": 15, "circuity": 1.5}})
    assert abs(slower.durations[0][1] - 2 * p.durations[0][1]) <= 1


def test_open_routes_and_no_amounts():
    doc = {
        "vehicles": [{"id": 1, "start_index": 0}, {"id": 2, "end_index": 1}],
        "jobs": [],
        "matrices": {"car": {"durations": [[0, 1], [1, 0]]}},
    }
    p = parse_problem(doc)
    assert p.vehicles[0].end_index is None and p.vehicles[1].start_index is None
    assert p.jobs == []


def _without_matrix() -> dict:
    doc = sample()
    del doc["matrices"]
    return doc


def _set(doc: dict, path: str, value) -> dict:
    """Set (or with value ``...`` delete) a dotted path inside ``doc``."""
    *parents, last = path.split(".")
    node = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is ...:
        del node[last]
    elif isinstance(node, list):
        node[int(last) : int(last) + 1] = [value]  # replace, or append just past the end
    else:
        node[last] = value
    return doc


def _bad(path: str, value) -> dict:
    return _set(sample(), path, value)


def _extra_vehicle(**fields) -> dict:
    doc = sample()
    doc["vehicles"].append({**copy.deepcopy(doc["vehicles"][0]), **fields})
    return doc


# (name, document or raw text, expected error message prefix)
BAD = [
    ("malformed json", '{"jobs": [', "invalid JSON at line 1 column 11"),
    ("empty input", "", "invalid JSON at line 1 column 1"),
    ("not utf-8", b'{"jobs": "\xff"}', "invalid JSON: not UTF-8"),
    ("root not an object", "[1, 2]", "expected an object, got [1, 2]"),
    (
        "key given twice",
        '{"jobs": [], "vehicles": [], "jobs": []}',
        'invalid JSON: key "jobs" given twice in an object',
    ),
    ("jobs missing", {"vehicles": []}, "jobs: missing"),
    ("unknown top-level key", {**SAMPLE, "shipments": []}, "shipments: unknown key"),
    ("unknown vehicle key", _bad("vehicles.0.brakes", []), "vehicles[0].brakes: unknown key"),
    ("unknown job key", _bad("jobs.2.pickup", [1]), "jobs[2].pickup: unknown key"),
    (
        "unknown break key",
        _bad("vehicles.0.breaks.0.max_load", [1]),
        "vehicles[0].breaks[0].max_load: unknown key",
    ),
    (
        "unknown matrix kind",
        _bad("matrices.car.distances", [[0]]),
        "matrices.car.distances: unknown key",
    ),
    ("unknown profile", _bad("matrices.bike", {"durations": [[0]]}), "matrices.bike: unknown key"),
    ("unknown option", {**SAMPLE, "options": {"speed": 3}}, "options.speed: unknown key"),
    (
        "matrix not square",
        _bad("matrices.car.durations", [[0, 1, 2], [1, 0], [2, 1, 0]]),
        "matrices.car.durations[1]: row has 2 entries, expected 3",
    ),
    (
        "matrix negative",
        _bad("matrices.car.durations.2", [900, -300, 0]),
        "matrices.car.durations[2][1]: negative travel time -300",
    ),
    (
        "matrix float",
        _bad("matrices.car.durations.2", [900, 30.5, 0]),
        "matrices.car.durations[2][1]: expected an integer, got 30.5",
    ),
    ("matrix empty", _bad("matrices.car.durations", []), "matrices.car.durations: empty matrix"),
    (
        "job index out of range",
        _bad("jobs.1.location_index", 3),
        "jobs[1].location_index: 3 out of range (matrix has 3 rows)",
    ),
    (
        "vehicle index out of range",
        _bad("vehicles.0.end_index", 7),
        "vehicles[0].end_index: 7 out of range",
    ),
    (
        "job index missing with a matrix",
        _bad("jobs.1.location_index", ...),
        "jobs[1]: location_index missing (required with matrices)",
    ),
    ("duplicate job id", _bad("jobs.2.id", 10), "jobs[2].id: duplicate job id 10 (also jobs[0])"),
    (
        "duplicate vehicle id",
        _extra_vehicle(),
        "vehicles[1].id: duplicate vehicle id 1 (also vehicles[0])",
    ),
    (
        "duplicate break id",
        _bad("vehicles.0.breaks.1", {"id": 7, "time_windows": [[50000, 52000]]}),
        "vehicles[0].breaks[1].id: duplicate break id 7",
    ),
    (
        "job window end before start",
        _bad("jobs.0.time_windows.0", [36000, 30000]),
        "jobs[0].time_windows[0]: end before start",
    ),
    (
        "shift end before start",
        _bad("vehicles.0.time_window", [61200, 28800]),
        "vehicles[0].time_window: end before start",
    ),
    (
        "break window end before start",
        _bad("vehicles.0.breaks.0.time_windows", [[43200, 46800], [50000, 49000]]),
        "vehicles[0].breaks[0].time_windows[1]: end before start",
    ),
    (
        "window not a pair",
        _bad("jobs.0.time_windows.0", [30000]),
        "jobs[0].time_windows[0]: expected [start, end]",
    ),
    (
        "no window at all",
        _bad("jobs.0.time_windows", []),
        "jobs[0].time_windows: needs at least one window",
    ),
    ("priority above 100", _bad("jobs.1.priority", 101), "jobs[1].priority: 101 outside 0–100"),
    ("priority negative", _bad("jobs.1.priority", -1), "jobs[1].priority: -1 outside 0–100"),
    (
        "priority not an integer",
        _bad("jobs.1.priority", "high"),
        'jobs[1].priority: expected an integer, got "high"',
    ),
    (
        "service as text",
        _bad("jobs.0.service", "600"),
        'jobs[0].service: expected an integer, got "600"',
    ),
    (
        "service as boolean",
        _bad("jobs.0.service", True),
        "jobs[0].service: expected an integer, got true",
    ),
    ("negative setup", _bad("jobs.0.setup", -5), "jobs[0].setup: negative duration -5"),
    (
        "negative break service",
        _bad("vehicles.0.breaks.0.service", -1),
        "vehicles[0].breaks[0].service: negative duration -1",
    ),
    (
        "negative max travel",
        _bad("vehicles.0.max_travel_time", -1),
        "vehicles[0].max_travel_time: negative duration -1",
    ),
    (
        "time too large",
        _bad("jobs.0.time_windows.0", [0, 2**40]),
        f"jobs[0].time_windows[0][1]: {2**40} above {HORIZON}",
    ),
    (
        "skills not integers",
        _bad("jobs.0.skills", [1, "a"]),
        'jobs[0].skills[1]: expected an integer, got "a"',
    ),
    (
        "skills not a list",
        _bad("vehicles.0.skills", 1),
        "vehicles[0].skills: expected an array, got 1",
    ),
    (
        "delivery longer than capacity",
        _bad("jobs.1.delivery", [1, 2]),
        "jobs[1].delivery: 2 amounts, expected 1 like jobs[0].delivery",
    ),
    (
        "capacity shorter than deliveries",
        _bad("vehicles.0.capacity", []),
        "vehicles[0].capacity: 0 amounts, expected 1",
    ),
    ("negative delivery", _bad("jobs.0.delivery", [-2]), "jobs[0].delivery[0]: negative amount -2"),
    ("id missing", _bad("jobs.0.id", ...), "jobs[0]: id missing"),
    ("id negative", _bad("vehicles.0.id", -1), "vehicles[0].id: negative value -1"),
    (
        "vehicle with no start or end",
        _bad("vehicles.0", {"id": 1}),
        "vehicles[0]: needs a start or an end",
    ),
    (
        "location missing without matrix",
        _set(
            _set(_without_matrix(), "vehicles.0", {"id": 1, "start": [2.3, 48.8]}),
            "jobs",
            [{"id": 1}],
        ),
        "jobs[0]: location missing (required without matrices)",
    ),
    (
        "index without matrix",
        _without_matrix(),
        "jobs[0].location_index: needs matrices.car.durations",
    ),
    (
        "latitude out of range",
        {"vehicles": [{"id": 1, "start": [2.3, 95]}], "jobs": []},
        "vehicles[0].start[1]: latitude 95.0 outside -90..90",
    ),
    (
        "coordinates not a pair",
        {"vehicles": [{"id": 1, "start": [2.3]}], "jobs": []},
        "vehicles[0].start: expected [lon, lat], got [2.3]",
    ),
    ("speed zero", {**SAMPLE, "options": {"speed_kmh": 0}}, "options.speed_kmh: must be positive"),
    (
        "circuity below one",
        {**SAMPLE, "options": {"circuity": 0.5}},
        "options.circuity: must be at least 1",
    ),
    (
        "pinned unknown job",
        _bad("vehicles.0.steps", [{"type": "job", "id": 99}]),
        "vehicles[0].steps[0].id: unknown job 99",
    ),
    (
        "pinned unknown step type",
        _bad("vehicles.0.steps", [{"type": "pickup", "id": 10}]),
        'vehicles[0].steps[0].type: expected one of start, job, break, end, got "pickup"',
    ),
    (
        "pinned job twice",
        _bad("vehicles.0.steps", [{"type": "job", "id": 10}, {"type": "job", "id": 10}]),
        "vehicles[0].steps[1].id: job 10 already pinned at vehicles[0].steps[0]",
    ),
    (
        "pinned unknown break",
        _bad("vehicles.0.steps", [{"type": "break", "id": 8}]),
        "vehicles[0].steps[0].id: unknown break 8 for this vehicle",
    ),
    (
        "pinned start not first",
        _bad("vehicles.0.steps", [{"type": "job", "id": 10}, {"type": "start"}]),
        "vehicles[0].steps[1]: a start step must come first",
    ),
    (
        "pinned bounds contradict",
        _bad(
            "vehicles.0.steps",
            [{"type": "job", "id": 10, "service_after": 40000, "service_before": 30000}],
        ),
        "vehicles[0].steps[0]: service bounds exclude every time",
    ),
    (
        "description not text",
        _bad("jobs.0.description", 5),
        "jobs[0].description: expected a string, got 5",
    ),
]


def _text(doc) -> str | bytes:
    return doc if isinstance(doc, (str, bytes)) else dumps(doc)


@pytest.mark.parametrize("doc, message", [(d, m) for _, d, m in BAD], ids=[n for n, _, _ in BAD])
def test_bad_input_is_an_input_error_naming_the_place(doc, message):
    with pytest.raises(InputError) as info:
        loads_problem(_text(doc))
    assert str(info.value).startswith(message), str(info.value)


# The kinds of bad input the issue lists, each also run through a real subprocess.
SUBPROCESS = [
    "malformed json",
    "not utf-8",
    "matrix not square",
    "matrix negative",
    "job index out of range",
    "duplicate job id",
    "duplicate vehicle id",
    "duplicate break id",
    "job window end before start",
    "priority above 100",
    "priority negative",
    "unknown vehicle key",
    "unknown top-level key",
]


@pytest.fixture(scope="module")
def cli_answers() -> dict:
    """The SUBPROCESS cases through the real command line, run side by side to save time."""
    docs = {name: doc for name, doc, _ in BAD}
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = {
            name: pool.submit(run_cli, "solve", "--time-limit", "1", stdin=_text(docs[name]))
            for name in SUBPROCESS
        }
        return {name: run.result() for name, run in runs.items()}


def _assert_input_error(status: int, out: str, err: str, message: str) -> None:
    assert status == 2, (out, err)
    answer = json.loads(out)
    assert answer["code"] == 2 and answer["error"].startswith(message), answer
    assert set(answer) == {"code", "error"}
    assert "Traceback" not in err and "Traceback" not in out
    assert message in err


@pytest.mark.parametrize("name", SUBPROCESS)
def test_bad_input_through_the_cli_exits_2_with_a_json_error(cli_answers, name):
    message = next(m for n, _, m in BAD if n == name)
    proc = cli_answers[name]
    _assert_input_error(proc.returncode, proc.stdout, proc.stderr, message)


@pytest.mark.parametrize("doc, message", [(d, m) for _, d, m in BAD], ids=[n for n, _, _ in BAD])
def test_every_bad_input_through_cli_main(monkeypatch, capsys, doc, message):
    data = _text(doc)
    stdin = type(
        "Stdin", (), {"buffer": io.BytesIO(data if isinstance(data, bytes) else data.encode())}
    )()
    monkeypatch.setattr("sys.stdin", stdin)
    status = cli.main(["solve", "--time-limit", "1"])
    out, err = capsys.readouterr()
    _assert_input_error(status, out, err, message)


def test_dump_writes_vroom_output_for_an_empty_plan():
    p = parse_problem(SAMPLE)
    plan = dump_solution(p, Solution(loading_ms=3, solving_ms=4))
    assert plan == {
        "code": 0,
        "summary": {
            "cost": 0,
            "routes": 0,
            "unassigned": 0,
            "setup": 0,
            "service": 0,
            "duration": 0,
            "waiting_time": 0,
            "priority": 0,
            "computing_times": {"loading": 3, "solving": 4},
        },
        "unassigned": [],
        "routes": [],
    }


# Fuzzing: whatever a document contains, parsing ends in a Problem or an InputError.

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 2**33)
    | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(data=st.data())
def test_any_mutation_parses_or_is_an_input_error(data):
    doc = sample()
    paths = [p for p in _paths(doc) if p]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        node = doc
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = data.draw(_json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced a parent: the path is gone
    try:
        problem = parse_problem(doc)
    except InputError as exc:
        assert exc.where or "invalid" in exc.message
        return
    assert len(problem.durations) >= 1


@SETTINGS
@given(st.one_of(problems(), pinned_problems()))
def test_a_problem_written_as_json_reads_back_as_the_same_problem(doc):
    problem = parse_problem(doc)
    written = dump_problem(problem)
    assert parse_problem(json.loads(json.dumps(written))) == problem
