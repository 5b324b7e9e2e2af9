# The portal's commands. `make run` and `make test` both start with `make install`,
# which only does work when pyproject.toml or package-lock.json changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.install-stamp
HTMX := portal/static/vendor/htmx.min.js
PYBABEL := $(VENV)/bin/pybabel
# The End User Portal's catalogues (es, fr, de): the .po files are written by people and kept in git,
# the .mo files Flask-Babel reads are compiled here and ignored by git.
CATALOGUES := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
LOCALES := es fr de

.PHONY: install run simulate lint test bench clean translations

install: $(STAMP) $(HTMX) $(COMPILED)

# Only a catalogue newer than its .mo is compiled again.
portal/translations/%/LC_MESSAGES/messages.mo: portal/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(PYBABEL) -q compile -i $< -o $@

# For developers: extract every marked string (babel.cfg) and merge it into each catalogue;
# then fill in the new msgstr (portal/translations/README.md) and `make install` compiles them.
translations: $(STAMP)
	$(PYBABEL) -q extract -F babel.cfg -k _l -k lazy_gettext -k N_ --add-location=file --sort-by-file \
		--project="License Portal" --msgid-bugs-address="" -o portal/translations/messages.pot .
	for locale in $(LOCALES); do test -f portal/translations/$$locale/LC_MESSAGES/messages.po || \
		$(PYBABEL) -q init -i portal/translations/messages.pot -d portal/translations -l $$locale; done
	$(PYBABEL) -q update -i portal/translations/messages.pot -d portal/translations --ignore-obsolete

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

# With PORTAL_TEST_DATABASE_URL the PostgreSQL run goes beside the SQLite one (a second core), its
# output kept in a log and printed once both are done; either failing fails the target.
PG_LOG := instance/pytest-postgresql.log
test: install lint
	@if [ -z "$$PORTAL_TEST_DATABASE_URL" ]; then exec $(PY) -m pytest; fi; \
	mkdir -p instance; \
	PORTAL_TEST_BACKEND=postgresql $(PY) -m pytest > $(PG_LOG) 2>&1 & pg=$$!; \
	echo "== SQLite (PostgreSQL on $$PORTAL_TEST_DATABASE_URL runs beside it, log in $(PG_LOG))"; \
	$(PY) -m pytest; sqlite=$$?; \
	wait $$pg; postgresql=$$?; \
	echo "== PostgreSQL"; cat $(PG_LOG); \
	echo "== SQLite exit $$sqlite, PostgreSQL exit $$postgresql"; \
	[ $$sqlite -eq 0 ] && [ $$postgresql -eq 0 ]

bench: install
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test,bench]'
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules portal/static/vendor
