# Two commands matter: `make run` and `make test`. Each installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CDK := node_modules/.bin/cdk
NODE_MODULES := node_modules/.installed
# The browser test drives Debian's Chromium, never a browser download.
CHROMIUM := /usr/bin/chromium
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONPATH := $(CURDIR)/functions:$(CURDIR)

# The packaging test and `make bench` run the functions under the Lambda runtime's Python, 3.13: one on PATH, else
# pyenv's; `make test` installs one with pyenv when neither is there (a pyenv shim that cannot run 3.13 is passed by).
ifeq ($(origin PYTHON313), undefined)
PYTHON313 := $(shell for p in python3.13 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 \
	2>/dev/null | sort -r); do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null \
	&& { command -v "$$p"; break; }; done)
endif
export PYTHON313

CHECKOV := .venv-checkov/bin/checkov
# `make test-dates` runs the unit and integration tests under Debian's faketime, its clock started (and running) at
# each of these moments: a month's first minutes after a common February, a year's last minutes, a leap day.
# libfaketime's multi-threaded build (-m): the tests run threads, and the single-threaded build crashed a worker
# (a segfault in libpython).
FAKETIME := /usr/bin/faketime
TEST_DATES := '2027-03-01 00:02' '2027-12-31 23:58' '2028-02-29 12:00'

.PHONY: install python313 run test test-dates lint docs synth deploy bench bench-load scan clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The CDK CLI, and the Swagger UI that `make run` serves at /docs.
$(NODE_MODULES): package.json package-lock.json
	npm install --no-audit --no-fund --silent
	touch $(NODE_MODULES)

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "make test needs Chromium for its browser test: sudo apt-get install -y chromium" >&2; exit 1; \
	fi

$(FAKETIME):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; \
	else \
		echo "make test-dates needs Debian's faketime: sudo apt-get install -y faketime" >&2; exit 1; \
	fi

install: $(STAMP) $(NODE_MODULES)

python313:
	@if [ -n "$(PYTHON313)" ]; then exit 0; fi; \
	if command -v pyenv >/dev/null 2>&1; then \
		echo "installing Python 3.13 with pyenv (the Lambda runtime's, for the packaging test)" >&2; \
		pyenv install --skip-existing 3.13; \
	else \
		echo "make test needs Python 3.13 (the Lambda runtime's) for tests/packaging: install pyenv, or your \
	system's python3.13, or point PYTHON313 at one" >&2; exit 1; \
	fi

run: $(STAMP) $(NODE_MODULES)
	$(BIN)/python -m local_api

test: install $(CHROMIUM) python313
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# Not part of `make test` (three more runs of its longest part): every moment is run, and any red one fails it.
test-dates: $(STAMP) $(FAKETIME)
	@failed=""; for moment in $(TEST_DATES); do \
		echo "== tests/unit tests/integration at $$moment (faketime)"; \
		$(FAKETIME) -m "$$moment" $(BIN)/python -m pytest tests/unit tests/integration -n 2 -q -p no:cacheprovider \
			$(PYTEST_ARGS) || failed="$$failed '$$moment'"; \
	done; \
	if [ -n "$$failed" ]; then echo "make test-dates: red at$$failed" >&2; exit 1; fi

lint: $(STAMP)
	$(BIN)/ruff check .

# The READMEs' generated tables (the API reference's routes and errors), rewritten from the code; tests/unit/test_docs.py
# fails while one is stale.
docs: $(STAMP)
	$(BIN)/python -m local_api.doc_tables

synth: install
	$(CDK) synth --quiet

deploy: install
	$(CDK) deploy --require-approval never $(CDK_ARGS)

bench: $(STAMP) python313
	$(BIN)/python -m benchmarks.calls
	$(BIN)/python -m benchmarks.packaged

# Knobs from the command line reach it as environment variables, and so does anything meant for the server:
# make bench-load EARNS=100000 CALLERS=64 CAP=500 TIMEOUT=300 SERVER_LOG=/tmp/server.log BADGES_LOCAL_CONTENTION=off
# make bench-load SCENARIO=switch,lower AFTER=500 HEADROOM=200 (SCENARIO: earn, switch, lower-above, lower-below, lower, all)
bench-load: $(STAMP)
	$(BIN)/python -m benchmarks.load

# checkov pins older boto3 and packaging than the project's, so it lives in a venv of its own.
$(CHECKOV):
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet 'checkov==3.3.30'

# cfn-lint as before; then the policy linters (parliament, cfn-lint's unknown actions as errors, cfn-guard with
# Control Tower's proactive rules), every finding fixed or acknowledged in the template (infra/policy_lint.py).
scan: synth $(CHECKOV)
	$(BIN)/cfn-lint --non-zero-exit-code error cdk.out/BadgesStack.template.json
	$(BIN)/python -m infra.policy_lint cdk.out/BadgesStack.template.json
	$(CHECKOV) -f cdk.out/BadgesStack.template.json --framework cloudformation --skip-download --quiet --compact

clean:
	rm -rf $(VENV) .venv-checkov node_modules cdk.out .pytest_cache build
