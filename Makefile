# Railyard: `make run` to try it, `make test` to test it. Needs only Python >= 3.11 and make.
# Every target builds .venv from requirements.lock first, again only when the lock changes.

PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8000
HOST   ?= 127.0.0.1
# pytest-xdist workers: "auto" is one per core; 0 runs the suite in one process.
WORKERS ?= auto

BIN    := $(VENV)/bin
STAMP  := $(VENV)/.requirements.lock.stamp
MANAGE := $(BIN)/python manage.py

.DEFAULT_GOAL := help
.PHONY: help venv run migrate seed seed-large test lint format typecheck schema bench bench-seed bench-flow bench-deps bench-room bench-live soak faults backup restore audit ci clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Railyard needs Python >= 3.11; this is " + sys.version.split()[0] + " (make PYTHON=python3.12 ...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

venv: $(STAMP) ## Create .venv from requirements.lock (only when the lock changed)

run: $(STAMP) ## Migrate, seed the demo train once, serve http://127.0.0.1:8000 (PORT=8001 for another)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo ""
	@echo "Railyard: http://$(HOST):$(PORT)/  (sign in as rte / railyard-demo; Ctrl-C stops)"
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

migrate: $(STAMP) ## Apply migrations to the database of the environment (SQLite by default)
	$(MANAGE) migrate --noinput

seed: migrate ## Build the demo train (does nothing if it exists; RESET=1 rebuilds it)
	$(MANAGE) seed_demo $(if $(RESET),--reset)

seed-large: migrate ## Build the benchmark train (24 teams, 10 PIs of history) beside the demo
	$(MANAGE) seed_demo --size large $(if $(RESET),--reset)

test: $(STAMP) ## Run the whole suite (SQLite; PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
	$(BIN)/python -m pytest $(if $(filter 0,$(WORKERS)),,-n $(WORKERS)) $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Fix what ruff can fix, and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) ## mypy with django-stubs
	$(BIN)/mypy .

schema: $(STAMP) ## Validate the OpenAPI schema (warnings fail)
	$(MANAGE) spectacular --validate --fail-on-warn --file $(or $(SCHEMA_FILE),/tmp/railyard-openapi.yaml)

bench: $(STAMP) ## Every performance goal on the large train beside its floor (DATABASE_URL: PostgreSQL); writes bench/results.md
	$(BIN)/python bench/suite.py $(BENCH_ARGS)

bench-seed: $(STAMP) ## Time `seed_demo --size large` on a fresh SQLite file
	$(BIN)/python bench/seed_large.py

bench-flow: $(STAMP) ## Flow endpoint and nightly recompute at 1x and 2x history (DATABASE_URL: PostgreSQL); writes bench/results.md
	$(BIN)/python bench/flow_scaling.py

bench-deps: $(STAMP) ## The dependency board (first page, Load more, a card's link) on the benchmark train (make seed-large first; DATABASE_URL: PostgreSQL)
	$(BIN)/python bench/bench_dependencies.py

bench-room: $(STAMP) ## One change, 100 open pages read the board again: remembered and not (make seed-large first; DATABASE_URL: PostgreSQL)
	$(BIN)/python bench/bench_room.py

bench-live: $(STAMP) ## Live updates: 100 sockets on one board, 200 changes; delivery p50/p95/p99 (REDIS=1: two servers on Redis)
	$(BIN)/python bench/live_latency.py $(if $(REDIS),--redis)

soak: $(STAMP) ## Load on loopback: 50 people for 5 minutes on throwaway PostgreSQL and Redis (SOAK_USERS, SOAK_SECONDS)
	$(BIN)/python bench/soak.py

faults: $(STAMP) ## The soak, restarting PostgreSQL and stopping Redis during it; reports the errors seen
	SOAK_FAULTS=1 $(BIN)/python bench/soak.py

backup: $(STAMP) ## Back up the whole database to backups/ (pg_dump on PostgreSQL, SQLite's backup API)
	$(MANAGE) backup $(if $(FILE),--output $(FILE))

restore: $(STAMP) ## Replace the whole database with a backup: make restore FILE=backups/...
	@test -n "$(FILE)" || { echo "make restore FILE=<a file written by make backup>"; exit 2; }
	$(MANAGE) restore $(FILE)

audit: ## Check the lock's packages for known vulnerabilities (pip-audit; needs PyPI's JSON API)
	$(PYTHON) -m venv .venv-audit
	.venv-audit/bin/python -m pip install --quiet --disable-pip-version-check pip-audit
	.venv-audit/bin/pip-audit --requirement requirements.lock --require-hashes --disable-pip --strict

ci: ## What CI runs: throwaway PostgreSQL and Redis, tests, lint, checks
	bash .ci/run

clean: ## Remove .venv, the SQLite database and caches
	rm -rf $(VENV) .venv-audit railyard.sqlite3 railyard.sqlite3-* staticfiles .ruff_cache .mypy_cache
