# Two commands on a fresh machine: `make demo` and `make test`. Every target sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PEERS := $(wildcard bench/peers/*.txt)

.PHONY: install demo test lint typecheck unit bench bench-peers clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/lockgate demo --traffic 5

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python bench/overhead.py
	@for script in bench/upstream_client.py bench/telemetry.py bench/failover.py bench/rollout_power.py bench/drift.py bench/pii.py; do \
		if [ -f $$script ]; then echo "== $$script"; $(BIN)/python $$script || exit 1; fi; \
	done

# Peer tools measured side by side (LiteLLM, Presidio, Evidently), each in its own venv.
bench-peers: $(STAMP)
	@for req in $(PEERS); do \
		name=$$(basename $$req .txt); \
		echo "== installing $$name into .venv-peers/$$name"; \
		$(PYTHON) -m venv .venv-peers/$$name && .venv-peers/$$name/bin/pip install --quiet -r $$req || exit 1; \
	done
	$(MAKE) bench

clean:
	rm -rf $(VENV) .venv-peers .lockgate-demo .pytest_cache .mypy_cache .ruff_cache
