# КлипМейкер auto-posting. `make run` starts the product, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format install migrate clean bench browsers chaos screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m clipmaker.devstack

test: $(STAMP) browsers
	$(BIN)/pytest $(PYTEST_ARGS)

# The long chaos run (tests/reliability/): real processes killed and restarted, on a private
# PostgreSQL and Redis; CHAOS_PUBLICATIONS (1000) publications shared by the scenarios. Its
# last line is one JSON object with the figures (docs/reliability.md).
chaos: $(STAMP)
	$(BIN)/python -m tests.reliability.run

# The browser tests drive Debian's chromium (Playwright never downloads a browser of its own).
browsers:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Install Debian's chromium for the browser tests: sudo apt-get install chromium"; \
	  fi; }

# Every page at 1366 and 375 px into docs/screenshots/ (<page>-<width>.png), checked for
# sideways scrolling on the way.
screenshots: $(STAMP) browsers
	SAVE_SCREENSHOTS=1 $(BIN)/pytest -q -p no:randomly \
	  tests/browser/test_phone_layout.py::test_every_page_fits_the_screen_at_375_and_1366 \
	  tests/browser/test_phone_layout.py::test_login_page_fits

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py install_schedules

bench: $(STAMP)
	$(BIN)/python bench/upload.py
	$(BIN)/python bench/resumable_upload.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/log_lines.py
	$(BIN)/python bench/stats.py

clean:
	rm -rf var/broker var/cache var/results var/test*.sqlite3
