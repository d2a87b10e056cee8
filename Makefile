# The verbs people type. CI calls these same targets, so what it runs is what runs here.
# `make help` lists them.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# uv from PATH, else the copy `make setup` installs with pip.
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)
# Use the machine's Python; never download one.
export UV_PYTHON_DOWNLOADS := never
# Trust the platform's certificate store too (machines behind a TLS-inspecting proxy need it).
export UV_SYSTEM_CERTS ?= 1
RUN = $(UV) run --locked
# Installs uv with pip when there is none; into the user site on a distribution's Python (PEP 668).
ENSURE_UV = python3 -m uv --version >/dev/null 2>&1 || command -v uv >/dev/null 2>&1 \
	|| python3 -m pip install --quiet uv 2>/dev/null || python3 -m pip install --quiet --user --break-system-packages uv

PACKAGES := runpod-api runpod-worker srtctl
COVERAGE_MIN := 90

.PHONY: help setup demo check lint format test test-api test-worker test-srtctl test-slurm _isolated bench build \
	release-build smoke clean

help: ## Show this list
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: ## Install uv if missing, then the whole workspace from the lock
	@$(ENSURE_UV)
	@$(UV) sync --locked

demo: setup ## Run the main job: what the three packages can show today
	@$(RUN) bash scripts/demo.sh

check: lint test ## Lint, type-check and run every test with the coverage gate

lint: setup ## ruff (lint + format check), ty, and a lock that matches the pyprojects
	$(UV) lock --check
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) ty check

format: setup ## Rewrite the code with ruff's formatter and fixes
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

test: setup ## Every test (slurm ones included) with at least 90% coverage per package
	@rm -f .coverage .coverage.*
	$(RUN) pytest --cov --cov-report= $(PYTEST_ARGS)
	@$(RUN) python scripts/coverage_gate.py --min $(COVERAGE_MIN)

# Each package alone: its own environment holds only that package, its extras and the test tools.
test-api: ## Tests of runpod-api, with only runpod-api installed
	@$(MAKE) _isolated PKG=runpod-api TESTS=tests/runpod_api
test-worker: ## Tests of runpod-worker, with only runpod-worker installed
	@$(MAKE) _isolated PKG=runpod-worker TESTS=tests/runpod_worker
test-srtctl: ## Tests of srtctl, with only srtctl installed
	@$(MAKE) _isolated PKG=srtctl TESTS=tests/srtctl
test-slurm: setup ## Only the tests that run on a real SLURM cluster (the tooling starts one; needs root)
	$(RUN) pytest -m slurm $(PYTEST_ARGS)

_isolated:
	@$(ENSURE_UV)
	UV_PROJECT_ENVIRONMENT=.venvs/$(PKG) $(UV) run --locked --exact --package $(PKG) --all-extras --group test \
		pytest $(TESTS) $(PYTEST_ARGS)

bench: setup ## Run the benchmarks; each prints its figures as ratios against a baseline from the same run
	$(RUN) python bench/run.py $(BENCH_ARGS)

build: setup ## Build a wheel and an sdist of each package into dist/ (PACKAGE=name builds one)
	@rm -rf dist
	$(UV) build $(if $(PACKAGE),--package $(PACKAGE),--all-packages) --out-dir dist
	@ls -1 dist

release-build: setup ## Check that TAG=<package>-v<version> matches that package's version, then build it alone
	@pkg=$$($(RUN) python scripts/release_tag.py "$(TAG)"); $(MAKE) build PACKAGE=$$pkg

smoke: build ## Install each wheel alone in a fresh venv, import it, and hold the worker to its size budget
	$(RUN) python scripts/smoke.py dist

clean: ## Remove build outputs, caches and the per-package environments
	rm -rf dist .venvs .smoke .bench .coverage .coverage.* htmlcov .pytest_cache .ruff_cache .hypothesis
