# The two commands: `make run` (a working factcheck on embedded defaults) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint format migrate clean messages

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# The public pages' translations (front/locale/*/django.po), compiled on every run: .mo files are
# build output, never committed.
messages: $(BIN)/.installed
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore .venv --ignore node_modules -v 0

# axe-core for the accessibility tests, exactly as locked in tests/e2e/package-lock.json.
tests/e2e/node_modules/.package-lock.json: tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error

# Web server, Celery worker and beat on what the settings give with no environment (SQLite,
# the SQLite broker, a file cache; see the README), supervised by factcheck/devrun.py: a
# worker that dies is restarted, one Ctrl-C or TERM stops all three. PORT is honoured.
run: export DEBUG ?= 1
run: $(BIN)/.installed messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py loaddemo --admin
	PORT=$(PORT) exec $(BIN)/python -m factcheck.devrun

test: $(BIN)/.installed messages tests/e2e/node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles tests/e2e/node_modules
	find front -name '*.mo' -delete
