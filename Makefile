# Two commands on a fresh machine: `make run` (the desktop app) and `make test`.
# Each creates .venv (from pyproject.toml, pinned by requirements.lock) when it is missing or stale.

# Python 3.12 or newer: PySide6 6.12 on Python 3.11 drops a reference to True on every
# signal emitted from Python (and to None on every empty QVariant it converts), and the
# app aborts with "deallocating True or False" after a few thousand emits. From 3.12
# those objects are immortal, so the stray decrefs are harmless. The first 3.12+ found
# on PATH or in pyenv's versions is used; PYTHON=... picks another.
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 python3 \
	$$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && command -v $$p && break; \
	done)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test soak lint bench lock clean package screenshots demo-servers

$(STAMP): pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed (install it, or set PYTHON=...)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12 or newer is needed (set PYTHON=...)")'
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		echo "Replacing $(VENV): it was made with an older Python"; rm -rf $(VENV); fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/agency-desktop $(ARGS)

# A PostgreSQL and a Redis store with demo sessions written by the SDK, on loopback, until
# Ctrl+C (needs the Debian packages postgresql and redis-server); prints what opens them.
demo-servers: $(STAMP)
	$(BIN)/python -m agency_desktop.ops.demo_servers

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The long reliability runs: thousands of fuzzed files, four agents writing for a minute.
soak: $(STAMP)
	$(BIN)/python -m pytest --soak -m soak tests/reliability $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check agency_desktop tests bench
	$(BIN)/ruff format --check agency_desktop tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench $(ARGS)

screenshots: $(STAMP)  # the README's pictures, light and dark, taken offscreen
	AGENCY_DESKTOP_DATA_DIR=$$(mktemp -d) $(BIN)/python docs/screenshots/take.py

lock: $(STAMP)
	@(echo "# Exact versions for 'make' installs (pip constraints). Regenerate with 'make lock'."; \
	  $(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check) > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

package: $(STAMP)
	BUILD_PYTHON=$(abspath $(BIN))/python packaging/build_linux.sh
