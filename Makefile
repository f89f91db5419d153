# The README's two commands: `make run` and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The demo opens the 2014–2015 plan on 10 September 2014, just before SOM20; override with `make run EMG_TODAY=`.
EMG_TODAY ?= 2014-09-10
PYTEST_ARGS ?=
# `make bench`: the load benchmark of issues 7 and 13, cold and with 120 users and 5 % writes (method and results
# in BENCHMARKS.md). It recreates this database; its shared cache is Redis (its own keys), or local memory if
# none answers. `make bench BENCH_ARGS="--scale 100"` for the large plan.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/emgplan_bench
BENCH_CACHE_URL ?= redis://127.0.0.1:6379/12
BENCH_ARGS ?= --scale 10 --seconds 10 --connections 8

.PHONY: run test lint install worker serve bench-reports bench clean

$(BIN)/activate:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_workplan
	EMG_TODAY=$(EMG_TODAY) $(BIN)/python manage.py seed_demo
	@echo
	@echo "  Open http://127.0.0.1:8000 and sign in as secretariat, chair, biodiversity-lead,"
	@echo "  greeneconomy-lead, esm-lead, unido-focal or viewer; password: emg-demo-2014"
	@echo
	EMG_TODAY=$(EMG_TODAY) EMG_DEMO=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# Style (ruff) and the direction of dependencies between apps (import-linter: .importlinter).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_CACHE_URL=$(BENCH_CACHE_URL) $(BIN)/python -m bench.run $(BENCH_ARGS)

worker: install
	$(BIN)/celery -A emgplan worker -B -l info

# Production: migrate, collectstatic, then gunicorn + Celery worker + beat (Procfile) with DEBUG off, against
# PostgreSQL and Redis. Settings from the environment or `make serve ENV_FILE=/etc/emgplan.env`.
serve: install
	ENV_FILE=$(ENV_FILE) deploy/serve

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-artifacts

# Time and peak memory of compiling the SOM report (seed plan and generate_plan --scale 10), per format,
# on a throwaway SQLite database so no real data is touched.
BENCH_DB ?= /tmp/emgplan-bench.sqlite3
bench-reports: install
	rm -f $(BENCH_DB)
	DATABASE_URL=sqlite:///$(BENCH_DB) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=sqlite:///$(BENCH_DB) $(BIN)/python manage.py bench_reports --scale 10
