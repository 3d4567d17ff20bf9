PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1:8000

.PHONY: run test install messages lint db browser

# The import worker runs beside the development server; Ctrl-C (or the server stopping)
# stops both.
run: install messages db
	@echo "Serving the admin at http://$(HOST)/admin/, with an import worker"
	@$(BIN)/python manage.py db_worker --no-startup-delay -v0 & worker=$$!; \
	trap 'pkill -P $$worker 2>/dev/null; kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST)

test: install messages lint browser
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -m "not browser"
	$(BIN)/pytest -m browser

# Debian's Chromium for the browser journeys (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
		|| { echo "chromium not found: install it (apt-get install chromium) for the browser tests"; exit 1; }

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(INSTALLED)

# Translations are compiled from the committed .po files; msgfmt comes with GNU gettext.
messages: install
	@command -v msgfmt >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq gettext >/dev/null; } \
		|| { echo "msgfmt not found: install GNU gettext (apt-get install gettext)"; exit 1; }
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

db: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_reference
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py load_demo_memoranda
	$(BIN)/python manage.py load_demo_quotas
	$(BIN)/python manage.py load_demo_vacancies
