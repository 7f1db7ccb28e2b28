# Dispatch — the two commands a newcomer needs are `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: install catalogues run serve migrate demo lint format test test-fast test-deploy test-bench bench-solomon bench-field bench-small bench-slots bench-web messages clean

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "Dispatch needs $(PY) on PATH (set PY=... to use another python3.11)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The search's modules that setup.py compiles: Python imports a compiled module before its .py,
# so an edit must be compiled again (a test checks it was).
COMPILED := $(wildcard $(foreach m,fastdata fasttiming fastroute annealing penalty stopping lns eject,\
  dispatch/routing/$(m).py dispatch/routing/$(m).pxd))

# Re-install only when the dependencies, or the compiled modules, change. The old compiled
# modules go first: a build that fails then leaves the current .py files, never old C.
$(STAMP): $(BIN)/python setup.cfg pyproject.toml setup.py $(COMPILED)
	rm -f dispatch/routing/*.so
	$(BIN)/python -m pip install --quiet --build-constraint .ci/build-constraints.txt -e '.[test]'
	@$(BIN)/python -c "import dispatch.routing.fastroute as m, sys; \
	  m.__file__.endswith('.py') and print('WARNING: the routing search was not compiled (see the' \
	  ' compiler errors above); it runs as Python, about five times slower', file=sys.stderr)"
	@touch $(STAMP)

install: $(STAMP) instance/config.py catalogues

# The bench extra's packages, for the benchmarks and their tests: installed by name, since
# reinstalling the project with the extra would compile the search's modules again.
BENCH_EXTRA = $(shell sed -n '/^bench =/,/^[^ ]/{/^    /p}' setup.cfg)

# The translations the app reads (.mo, not committed), compiled from each language's .po; a
# language without a catalogue yet is skipped. Every command below installs first, so `make run`
# and `make test` always have them, compiled from the current .po files.
catalogues: $(STAMP)
	@if ls dispatch/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel compile --statistics -d dispatch/translations; fi

# A stable secret key for this installation, written once and never committed.
instance/config.py:
	@mkdir -p instance
	@$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@
	@echo "wrote $@ (a new SECRET_KEY for this installation)"

# This machine's demo takes mail from anyone (MAIL_ALLOWED_DOMAINS is empty): said here, as a
# deployment must say it (or name its domains) to start. The demo company is Romanian: its
# language (DEFAULT_LOCALE) is Romanian, for whoever has not chosen one and whose browser asks
# for neither language.
# Links in its mail lead to the address `make run` serves on.
EMBEDDED := FLASK_MAIL_OPEN_INTAKE=true FLASK_DEFAULT_LOCALE=ro FLASK_MAIL_BASE_URL=http://127.0.0.1:5000

migrate: install
	$(EMBEDDED) $(FLASK) db upgrade

demo: migrate
	$(EMBEDDED) $(FLASK) demo load

# The embedded profile: plain HTTP on this machine, so the cookies go without their Secure flag
# (a browser would drop them), and the app says so when it starts. Behind HTTPS they stay Secure.
# Logs are text, for the person at the terminal (JSON, for a log collector, elsewhere).
serve:
	FLASK_SESSION_COOKIE_SECURE=false FLASK_REMEMBER_COOKIE_SECURE=false FLASK_LOG_FORMAT=text \
	  $(EMBEDDED) $(FLASK) run --host 127.0.0.1 --port 5000

run: demo serve

# PYTEST_ARGS lets CI narrow or widen a run, e.g. PYTEST_ARGS="--ignore=tests/routing".
# The suite runs on every core (pytest-xdist; each worker has its own database, see
# tests/conftest.py); TEST_WORKERS=0 runs it in one process, e.g. to use a debugger.
TEST_WORKERS ?= auto

# Lint and format check (ruff, configured in pyproject.toml); `make format` rewrites the code
# the way the check wants it.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -x -q -m "not e2e and not slow"

# The production deployment, run for real (tests/deploy): PostgreSQL, Redis, two gunicorn
# instances behind nginx and an RQ worker, started from deploy/ on free ports (needs nginx,
# redis-server, openssl and PostgreSQL's server programs: here their absence fails the run,
# where a plain `pytest -m deploy` skips; about two minutes). `make test` leaves it out.
test-deploy: install
	DEPLOY_TEST_REQUIRED=1 $(BIN)/python -m pytest -m deploy tests/deploy $(PYTEST_ARGS)

bench-solomon: install
	$(BIN)/python -m pip install --quiet $(foreach r,$(BENCH_EXTRA),'$(r)')
	$(BIN)/python -m dispatch.routing bench solomon benchmarks/solomon --peers

bench-field: install
	$(BIN)/python -m pip install --quiet $(foreach r,$(BENCH_EXTRA),'$(r)')
	$(BIN)/python -m dispatch.routing bench field --seeds 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20 --peers
	$(BIN)/python -m dispatch.routing bench field --seeds 7 --jobs 150 --vehicles 15 --peers

bench-small: install
	$(BIN)/python -m dispatch.routing bench small --days 40

bench-slots: install
	$(BIN)/python -m dispatch.routing bench slots --seed 1
	$(BIN)/python -m dispatch.routing bench slots --seed 2

# The web side under load (docs/benchmarks.md, "Web under load"): a generated company of 10,000
# and of 100,000 tickets in PostgreSQL, gunicorn with deploy/gunicorn.conf.py, locust's users.
# Needs PostgreSQL (BENCH_DATABASE: any database's URL on the server to use; the benchmark makes
# its own databases there) and Redis (BENCH_REDIS: this database and the next); about 15 minutes.
BENCH_DATABASE ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
BENCH_REDIS ?= redis://127.0.0.1:6379/8
bench-web: install
	$(BIN)/python -m pip install --quiet $(foreach r,$(BENCH_EXTRA),'$(r)')
	$(BIN)/python -m dispatch.bench.web --tickets 10000,100000 --database $(BENCH_DATABASE) \
	  --redis $(BENCH_REDIS) $(BENCH_WEB_ARGS)

# The web benchmark's own test (tests/bench): the generator, gunicorn and every scenario end to
# end at a tiny size, on a PostgreSQL cluster and a Redis it starts itself (needs redis-server and
# PostgreSQL's server programs; here their absence fails the run). `make test` leaves it out.
test-bench: install
	$(BIN)/python -m pip install --quiet $(foreach r,$(BENCH_EXTRA),'$(r)')
	BENCH_TEST_REQUIRED=1 $(BIN)/python -m pytest -m bench tests/bench $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache dispatch/routing/*.so dispatch/routing/*.c

# Translations (docs/translating.md): extract every user-facing string (Flask-Babel gettext and
# lazy_gettext as _l) into the catalogue template, then bring each language's catalogue up to
# date with it (new texts empty, changed ones marked fuzzy for the translator).
messages: install
	$(BIN)/pybabel extract -F dispatch/translations/babel.cfg -k _l -k said -k said_plural:1,2 -o dispatch/translations/messages.pot .
	@for po in dispatch/translations/*/LC_MESSAGES/messages.po; do [ -e "$$po" ] || continue; \
	  lang=$${po#dispatch/translations/}; lang=$${lang%%/*}; \
	  $(BIN)/pybabel update -i dispatch/translations/messages.pot -d dispatch/translations -l $$lang; \
	done
