# The two commands: `make run` (a working factcheck on embedded defaults) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint format migrate clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Web server, Celery worker and beat on the embedded defaults (SQLite, filesystem broker).
# Ctrl-C stops all three.
run: export DEBUG ?= 1
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py loaddemo --admin
	trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A factcheck worker -Q celery,fetch --concurrency 2 -l info & \
	$(BIN)/celery -A factcheck beat -S django -l info & \
	echo "factcheck: http://127.0.0.1:$(PORT)/admin/  (API: /api/v1/)"; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles
