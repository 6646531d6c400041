# GEventator: `make run` serves the app with a demo event, `make test` lints and runs the suite on
# SQLite and on MongoDB. Both create .venv and install the pinned requirements when needed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements/base.txt requirements/dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes per pass (pytest-xdist); on MongoDB each gets a SecantusDB server of its own.
WORKERS ?= 2
PYTEST := $(VENV)/bin/pytest -n $(WORKERS) --dist loadgroup --durations=10

.PHONY: install run serve run-mongo test lint test-sqlite test-mongo mongo-migrations migrations

$(STAMP): requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# The suite checks deploy/Vagrantfile with `vagrant validate` (Debian's vagrant package). Installed
# when missing and we are root (CI); otherwise say so, so that `make run` still works without it.
install: $(STAMP)
	@command -v vagrant >/dev/null || if [ "$$(id -u)" -eq 0 ]; then \
		apt-get update && apt-get install -y --no-install-recommends vagrant; \
	else \
		echo "vagrant is missing (the deploy tests need it): apt-get install vagrant, as root."; \
	fi

run: install
	DEBUG=$${DEBUG:-1} $(MAKE) --no-print-directory serve

# Migrate, load the demo (once), print the demo logins and serve on $(HOST):$(PORT).
serve:
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --base-url http://$(HOST):$(PORT)
	$(PY) manage.py runserver $(HOST):$(PORT)

# The same on a local SecantusDB server (data kept in var/secantus), started and stopped here.
run-mongo: install
	DEBUG=$${DEBUG:-1} $(PY) devtools/mongo.py --storage var/secantus -- $(MAKE) --no-print-directory serve

test: install lint test-sqlite test-mongo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test-sqlite: install
	DATABASE_URL= $(PYTEST)

# A throwaway SecantusDB server, or the MongoDB that MONGODB_TEST_URI names. The deploy tests
# touch none of the suite's databases (their app runs on its own SQLite file), so the SQLite pass
# alone runs them: running them twice would only double their minute.
test-mongo: install
	if [ -n "$$MONGODB_TEST_URI" ]; then \
		DATABASE_URL="$$MONGODB_TEST_URI" $(PYTEST) -m "not deploy"; \
	else \
		$(PY) devtools/mongo.py --servers $(WORKERS) -- $(PYTEST) -m "not deploy"; \
	fi

# Our apps' migrations (the same files serve both stores).
migrations: install
	DEBUG=1 DATABASE_URL= $(PY) manage.py makemigrations organizers finance activities

# Django's contrib apps with ObjectId keys, for MongoDB (geventator/mongo_migrations).
mongo-migrations: install
	DEBUG=1 $(PY) devtools/mongo.py -- $(PY) manage.py makemigrations admin auth contenttypes axes
