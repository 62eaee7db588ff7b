# The two commands of the README. Each installs what it needs first (uv, then the locked dependencies).
UV := bin/uv

.PHONY: run test lint install audit messages

install:
	@$(UV) sync --locked --quiet

run: install
	@$(UV) run --locked --no-sync python -m secondop.run

test: install
	@if command -v npm >/dev/null 2>&1 && [ ! -f node_modules/axe-core/axe.min.js ]; then \
		npm ci --no-audit --no-fund --silent; fi
	@$(UV) run --locked --no-sync python -m pytest

lint: install
	$(UV) run --locked --no-sync ruff check .
	$(UV) run --locked --no-sync ruff format --check .
	$(UV) run --locked --no-sync mypy .

# Known vulnerabilities in every locked package (needs PyPI's JSON API or OSV on the network).
audit: install
	@requirements=$$(mktemp) && $(UV) export --locked --format requirements-txt --no-emit-project --quiet >$$requirements \
		&& $(UV) run --locked --no-sync pip-audit --strict --disable-pip --require-hashes --progress-spinner off \
		--requirement $$requirements; status=$$?; rm -f $$requirements; exit $$status

# The translations (README, "Adding a language"): every marked string of the code into each catalogue in
# locale/ (new ones untranslated), then the compiled catalogues the app reads. Needs GNU gettext.
MESSAGES_IGNORE := --ignore node_modules --ignore var --ignore bench --ignore tests --ignore locale
messages: install
	$(UV) run --locked --no-sync python manage.py makemessages --all --no-obsolete -d django $(MESSAGES_IGNORE)
	$(UV) run --locked --no-sync python manage.py makemessages --all --no-obsolete -d djangojs $(MESSAGES_IGNORE)
	$(UV) run --locked --no-sync python manage.py compilemessages --ignore node_modules --ignore .venv
