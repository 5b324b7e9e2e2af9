# The portal's commands. `make run` and `make test` both start with `make install`,
# which only does work when pyproject.toml or package-lock.json changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.install-stamp
HTMX := portal/static/vendor/htmx.min.js

.PHONY: install run simulate lint test bench clean

install: $(STAMP) $(HTMX)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

$(HTMX): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p portal/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $(HTMX)

run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed demo --if-empty
	@# The job runner (mail, webhooks, sweeps) beside the server, stopped with it; with SIMULATE=1 the
	@# device simulator too, once the server answers.
	$(FLASK) jobs & jobs=$$!; sim=; \
	if [ -n "$(SIMULATE)" ]; then (sleep 4; $(FLASK) simulate --devices $(DEVICES) --base-url http://127.0.0.1:5000) & sim=$$!; fi; \
	trap 'kill $$jobs $$sim 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port 5000

# Beside `make run` (another terminal), or `SIMULATE=1 make run`: machines that use the demo's licenses
# through the License API, so the dashboards move.
DEVICES ?= 20
simulate: install
	$(FLASK) simulate --devices $(DEVICES) --base-url http://127.0.0.1:5000

lint: install
	$(VENV)/bin/ruff check portal tests bench migrations wsgi.py
	$(VENV)/bin/ruff format --check portal tests bench migrations wsgi.py
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: install lint
	$(PY) -m pytest
	@if [ -n "$$PORTAL_TEST_DATABASE_URL" ]; then \
		echo "== again on $$PORTAL_TEST_DATABASE_URL"; \
		PORTAL_TEST_BACKEND=postgresql $(PY) -m pytest; \
	fi

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules portal/static/vendor
