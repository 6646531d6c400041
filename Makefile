# GEventator: `make run` serves the app with a demo event, `make test` lints and runs the suite on
# SQLite and on MongoDB. Both create .venv and install the pinned requirements they need, when needed:
# `make run` only requirements/base.txt, `make test` also requirements/dev.txt, vagrant and chromium.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check
# Stamps name the requirements they installed (a checksum): an edited file installs again.
RUN_STAMP := $(VENV)/.installed-run-$(shell cat requirements/base.txt | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-dev-$(shell cat requirements/base.txt requirements/dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes per pass (pytest-xdist); on MongoDB each gets a SecantusDB server of its own.
WORKERS ?= 2
PYTEST := $(VENV)/bin/pytest -n $(WORKERS) --dist loadgroup --durations=10

.PHONY: bench install install-run messages run serve run-mongo test lint test-sqlite test-mongo mongo-migrations migrations vendor

# What serving needs, and nothing else (no test tools, linters, Ansible or system packages).
$(RUN_STAMP): requirements/base.txt
	@test -x $(PY) || { echo "Creating the virtualenv $(VENV) with $(PYTHON)…"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the packages GEventator needs to serve (requirements/base.txt)…"
	$(PIP_INSTALL) -r requirements/base.txt
	@rm -f $(VENV)/.installed-run-* && touch $@

# Everything tests and lint need; it includes base.txt, so serving needs no install after it.
$(STAMP): requirements/base.txt requirements/dev.txt
	@test -x $(PY) || { echo "Creating the virtualenv $(VENV) with $(PYTHON)…"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing the packages for tests and lint (requirements/dev.txt, with base.txt)…"
	$(PIP_INSTALL) -r requirements/dev.txt
	@rm -f $(VENV)/.installed-dev-* $(VENV)/.installed-run-* && touch $@ $(RUN_STAMP)

# The translations: each catalogue (locale/<language>/LC_MESSAGES/django.po) compiled into the .mo
# file Django reads. The .mo files are built here, not committed. Babel's pybabel (base.txt) compiles
# them, so serving needs no GNU gettext; it refuses a translation whose placeholders differ from the
# English. Updating a catalogue (makemessages) does need GNU gettext: see README, "Languages".
CATALOGUES := $(wildcard locale/*/LC_MESSAGES/*.po)
# What makemessages leaves out: other people's code, local state and the tests' own strings.
MAKEMESSAGES_IGNORE := --ignore .venv --ignore var --ignore node_modules --ignore tests --no-obsolete
COMPILED := $(CATALOGUES:.po=.mo)

%.mo: %.po | $(RUN_STAMP)
	@echo "Compiling the translations $<…"
	$(VENV)/bin/pybabel compile --statistics --input-file $< --output-file $@

install-run: $(RUN_STAMP) $(COMPILED)

# Debian packages the suite needs: vagrant (`vagrant validate` checks deploy/Vagrantfile), gettext
# (makemessages finds untranslated strings with xgettext and msgmerge) and chromium (the browser
# tests drive /usr/bin/chromium; Playwright downloads no browser of its own). Installed when
# missing and we are root (CI); otherwise say so. `make run` needs none of them.
install: $(STAMP) $(COMPILED)
	@missing=""; command -v vagrant >/dev/null || missing="$$missing vagrant"; \
	command -v msgmerge >/dev/null || missing="$$missing gettext"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	if [ -z "$$missing" ]; then :; elif [ "$$(id -u)" -eq 0 ]; then \
		apt-get update && apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "Missing for the tests:$$missing (apt-get install them, as root)."; \
	fi

# Bring the Spanish catalogue up to date with the code's strings (GNU gettext needed), then translate
# the new or changed entries (empty or fuzzy) in locale/es/LC_MESSAGES/django.po. The suite fails
# while any is left (geventator/tests/test_translations.py, which runs the same command).
messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages --locale es $(MAKEMESSAGES_IGNORE)

# Migrate, load the demo (once), print the demo logins and serve on $(HOST):$(PORT) with DEBUG on.
# The recipe execs devtools/run.py, so make's SIGTERM reaches it, and it ends the whole server
# (runserver's autoreloader child included) on Ctrl-C or SIGTERM. RELOAD=0 serves without it.
SERVER = $(PY) devtools/run.py --host $(HOST) --port $(PORT) $(if $(filter 0,$(RELOAD)),--noreload)

run: install-run
	export DEBUG=$${DEBUG:-1}; exec $(SERVER)

# The same steps with whatever DEBUG and DATABASE_URL the environment holds.
serve: install-run
	exec $(SERVER)

# The same on a local SecantusDB server (data kept in var/secantus), started and stopped here; the
# server comes with the dev requirements (secantusdb).
run-mongo: $(STAMP)
	export DEBUG=$${DEBUG:-1}; exec $(PY) devtools/mongo.py --storage var/secantus -- $(SERVER)

test: install lint test-sqlite test-mongo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

test-sqlite: install
	DATABASE_URL= $(PYTEST)

# A throwaway SecantusDB server, or the MongoDB that MONGODB_TEST_URI names. The deploy and
# `make run` tests touch none of the suite's databases (their app runs on its own SQLite file), so
# the SQLite pass alone runs them: running them twice would only double their time.
test-mongo: install
	if [ -n "$$MONGODB_TEST_URI" ]; then \
		DATABASE_URL="$$MONGODB_TEST_URI" $(PYTEST) -m "not deploy and not devserver"; \
	else \
		$(PY) devtools/mongo.py --servers $(WORKERS) -- $(PYTEST) -m "not deploy and not devserver"; \
	fi

# Our apps' migrations (the same files serve both stores).
migrations: install
	DEBUG=1 DATABASE_URL= $(PY) manage.py makemigrations organizers finance activities

# Django's contrib apps with ObjectId keys, for MongoDB (geventator/mongo_migrations).
mongo-migrations: install
	DEBUG=1 $(PY) devtools/mongo.py -- $(PY) manage.py makemigrations admin auth contenttypes axes

# The performance benchmark (bench/run.py; README, "Performance"): not part of `make test`.
# BENCH_SIZES="10000 100000" by default; 1000000 is opt-in. DATABASE_URL: a throwaway store (flushed).
bench: $(STAMP)
	BENCH_SIZES="$${BENCH_SIZES:-10000 100000}" $(PY) bench/run.py

# The admin's browser libraries (package.json, pinned; package-lock.json): npm installs them and
# their built files are copied into static/, where they are committed, so that serving, the Docker
# image and the deploy need no Node. Run it after changing a version in package.json.
VENDOR_STATIC := organizers/static/organizers/vendor
vendor:
	@echo "Installing the browser libraries with npm (package-lock.json)…"
	npm ci --no-audit --no-fund
	@# Without its source map comment: the map is not shipped, and collectstatic's manifest refuses a
	@# file that names a missing one.
	sed '/^\/\/# sourceMappingURL=/d' node_modules/chart.js/dist/chart.umd.min.js > $(VENDOR_STATIC)/chart.umd.min.js
	cp node_modules/chart.js/LICENSE.md $(VENDOR_STATIC)/chart.js.LICENSE.md
