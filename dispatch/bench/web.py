"""Web benchmark: ``python -m dispatch.bench.web [--tickets 10000,100000] [--users 10]
[--seconds 30]``.

For each size: a PostgreSQL database of its own (``dispatch_bench_<tickets>`` on the server of
``--database``) made, migrated and filled with a generated company (30 sites, 2,000 employees,
40 technicians, the tickets with their records, 5,000 visits, the next working day planned by
the engine); gunicorn started with deploy/gunicorn.conf.py on it; then each scenario of
:data:`dispatch.bench.report.SCENARIOS` in turn, ``--users`` locust users for ``--seconds``
(after a warm-up), against that one server, the bare /healthz first. Prints each size's table
(p50, p95, throughput, the ratios to /healthz, the issue's targets) and the growth between the
sizes. Needs PostgreSQL and Redis (``--redis``: the queue's database; the next one holds the
rate limits' counts) and the ``bench`` extra (locust).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from dispatch import create_app
from dispatch.bench import cpu, generate, report, scenarios_path, server
from dispatch.bench.company import Size


def run_scenario(
    scenario: report.Scenario, running: server.Running, data: Path, folder: Path, args
) -> report.Figures:
    """One scenario's locust run (headless, in its own process) and its figures, with the CPU
    each process of the run spent on a measured request."""
    samples = folder / f"{scenario.user_class}.json"
    env = {
        **os.environ,
        "DISPATCH_BENCH_DATA": str(data),
        "DISPATCH_BENCH_SAMPLES": str(samples),
        "DISPATCH_BENCH_USERS": str(args.users),
        "DISPATCH_BENCH_WARMUP": str(args.warmup),
        "DISPATCH_BENCH_SECONDS": str(args.seconds),
    }
    # The users end the run after the warm-up and the measured time; this is a bound, should
    # some user never be ready (its sign-in failed: counted as an error).
    bound = 4 * (args.warmup + args.seconds) + 120
    argv = [sys.executable, "-m", "locust", "-f", str(scenarios_path()), "--headless"]
    argv += ["-u", str(args.users), "-r", str(args.users), "-t", f"{bound:g}s"]
    argv += ["--host", f"http://127.0.0.1:{running.port}", "--stop-timeout", "10"]
    argv += ["--only-summary", "--loglevel", "WARNING", scenario.user_class]
    sampler = cpu.Sampler(
        {
            "web": cpu.tree(running.web_pid),
            "database": cpu.named("postgres"),
            "mail worker": cpu.tree(running.mail_pid),
            "load generator": cpu.running(str(scenarios_path())),
        }
    )
    sampler.start()
    try:
        with (folder / "locust.log").open("ab") as log:
            subprocess.run(argv, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    finally:
        sampler.stop()
    if not samples.exists():
        raise RuntimeError(f"locust wrote no samples for {scenario.title}; see {folder}")
    figures = report.figures(scenario, json.loads(samples.read_text()))
    if figures.requests:
        spent = sampler.between(figures.window[0], figures.window[1])
        figures.cpu_ms = {role: 1000 * s / figures.requests for role, s in spent.items()}
    return figures


def measure(tickets: int, args, folder: Path) -> list[report.Figures]:
    url = server.database_url(args.database, f"dispatch_bench_{tickets}")
    env = server.app_environment(url, args.redis)
    size = Size(tickets=tickets, seed=args.seed, plan_seconds=args.plan_seconds)
    print(f"\n## {tickets:,} tickets\n")
    print("  load average before: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    data = generate.prepared(url, env, size, args.reuse, Path(args.data_dir), create_app)
    if args.generate_only:
        return []
    results = []
    logs = folder / str(tickets)
    logs.mkdir()
    chosen = [s for s in report.SCENARIOS if s is report.SCENARIOS[0] or s.user_class in args.only]
    with server.gunicorn(env, logs, args.workers) as running:
        for scenario in chosen if args.only else report.SCENARIOS:
            results.append(run_scenario(scenario, running, data, folder, args))
            f = results[-1]
            print(f"  {scenario.title}: p95 {f.p95:.0f} ms, {f.rate:.0f}/s, {f.errors} errors")
    print()
    print(report.table(results))
    print()
    print(report.cpu_table(results))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dispatch.bench.web", description=__doc__)
    parser.add_argument("--tickets", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--users", type=int, default=10, help="concurrent users per scenario")
    parser.add_argument("--seconds", type=float, default=30, help="measured time per scenario")
    parser.add_argument("--warmup", type=float, default=10, help="unmeasured seconds first")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: its config's)")
    parser.add_argument(
        "--database",
        default=server.DEFAULT_DATABASE,
        help="any database's URL on the server to use",
    )
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/8", help="Redis URL (this DB and the next)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--plan-seconds", type=int, default=10, help="the engine's time for the day"
    )
    parser.add_argument(
        "--data-dir", default=tempfile.gettempdir(), help="where the companies' data is kept"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep a company made by an earlier run"
    )
    parser.add_argument(
        "--generate-only", action="store_true", help="make the companies, measure nothing"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument(
        "--only",
        type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
        default=[],
        help="measure these scenarios (locust classes: "
        + ", ".join(s.user_class for s in report.SCENARIOS[1:])
        + ") beside the bare /healthz, not all",
    )
    args = parser.parse_args(argv)
    unknown = set(args.only) - {s.user_class for s in report.SCENARIOS[1:]}
    if unknown:
        parser.error(f"--only: no scenario {', '.join(sorted(unknown))}")
    # Stopped, the run still stops what it started (gunicorn, the mail worker, locust).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = [int(n.replace("_", "")) for n in args.tickets.split(",") if n.strip()]
    print(
        f"# Dispatch under load\n\n{server.machine(args.database, args.workers)}; "
        f"{args.users} users per scenario, {args.seconds:g} s each after {args.warmup:g} s"
    )
    with tempfile.TemporaryDirectory(prefix="dispatch-bench-") as tmp:
        results = {n: measure(n, args, Path(tmp)) for n in sizes}
    if args.generate_only:
        return 0
    if len(sizes) > 1:
        print(f"\n## Growth from {sizes[0]:,} to {sizes[-1]:,} tickets\n")
        print(report.growth(results[sizes[0]], results[sizes[-1]], (sizes[0], sizes[-1])))
    missed = [f"{f.scenario.title} ({n:,})" for n, r in results.items() for f in r if not f.met]
    errors = sum(f.errors for r in results.values() for f in r)
    if args.json:
        out = {n: [{**f.__dict__, "scenario": f.scenario.title, "met": f.met} for f in r]
               for n, r in results.items()}  # fmt: skip
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    print(f"\ntargets missed: {', '.join(missed) or 'none'}; error responses: {errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
