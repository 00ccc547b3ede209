# Every target is a thin wrapper; CI runs `make test` exactly as a person does.
VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: bench-load simulator tools
.PHONY: bench-console
.PHONY: bench-statements import-statement
.PHONY: bench-report report
.PHONY: browser screenshots
.PHONY: test-faults fuzz
.PHONY: setup run test lint validate unit integration test-stories train init-db seed-demo \
	import export create-staff format clean bench-nlu

setup:            ## create .venv with Python 3.10 and the exact pins (idempotent)
	@scripts/bootstrap.sh

run: setup        ## database, model (if changed) and all services, until Ctrl-C; PROFILE=scale: PostgreSQL, Redis, 2 Rasa, 2 bridges
	@$(PY) -m bot run $(if $(PROFILE),--profile $(PROFILE))

test: lint validate unit integration test-faults test-stories  ## everything CI checks

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

validate: setup   ## rasa data validate --fail-on-warnings (output in var/log/validate.log)
	@scripts/validate.sh

unit: setup tools browser  ## every test but the real-server ones (tests/<package>/, tests/browser/)
	$(PY) -m pytest tests --ignore=tests/integration --ignore=tests/faults

browser:          ## Debian's chromium and chromium-driver for tests/browser (installed when missing)
	@scripts/browser.sh

screenshots: setup browser  ## the browser tests, saving docs/screenshots/*.png for the README
	SCREENSHOTS=1 $(PY) -m pytest tests/browser -q

integration: setup  ## real Rasa server + action server + bridge on loopback
	$(PY) -m pytest tests/integration

test-faults: setup  ## fault suite under steady signed webhook load: platform API faults, and process kills on the scale profile (~5 min)
	$(PY) -m pytest tests/faults

fuzz: setup       ## the fuzz tests with 2,000 examples each (HYPOTHESIS_PROFILE=long, ~4 min); make unit runs them with few
	HYPOTHESIS_PROFILE=long $(PY) -m pytest tests/fuzz tests/reports/test_statement_fuzz.py \
		tests/bridge/bank_feed/test_bank_feed_fuzz.py

test-stories: setup  ## rasa test on tests/test_stories.yml, failing on any wrong prediction
	@scripts/test-stories.sh

train: setup
	@$(PY) -m bot train

retrain: setup    ## train a candidate model and compare it with the live one (promote in /admin/models)
	@$(PY) -m bot retrain

init-db: setup
	@$(PY) -m bot init-db

seed-demo: setup
	@$(PY) -m bot seed-demo

import: setup     ## make import TABLE=children FILE=children.xlsx (all rows or none)
	@$(PY) -m bot import "$(TABLE)" "$(FILE)"

export: setup     ## make export TABLE=donations FILE=donations.csv
	@$(PY) -m bot export "$(TABLE)" "$(FILE)"

create-staff: setup  ## make create-staff STAFF=thu.ha (asks for the password)
	@$(PY) -m bot create-staff "$(STAFF)"

tools:            ## Debian tools the tests use: zbarimg (decodes QR images)
	@scripts/zbar.sh

bench-nlu: setup  ## NLU benchmark table; DATASET=<dir> for a PhoATIS-format dataset
	@$(PY) -m bench.nlu $(if $(DATASET),--dataset $(DATASET))

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench-load: setup  ## load benchmark of the Messenger bridge (real Rasa, loopback, ~3 min); PROFILE=scale: the scaling table (~5 min)
	$(PY) $(if $(filter scale,$(PROFILE)),-m bench.scaling,bench/load.py) $(BENCH_ARGS)

bench-console: setup  ## console speed: 2,000 conversations, 200,000 events (~1 min; BENCH_ARGS=--help)
	$(PY) -m bench.console $(BENCH_ARGS)

bench-statements: setup  ## statement import speed: a year of Vietcombank exports, 10,000 rows (~20 s)
	$(PY) -m bench.statements $(BENCH_ARGS)

bench-report: setup  ## monthly report speed: a year of books, 10,000 entries (~15 s)
	$(PY) -m bench.monthly_report $(BENCH_ARGS)

report: setup     ## make report MONTH=2026-11 (default: last month): XLSX, PDF, PNG in var/reports/
	@$(PY) -m bot report $(if $(MONTH),--month "$(MONTH)")

import-statement: setup  ## make import-statement FILE=saoke.xlsx [BANK=vcb|tcb|mb|bidv]
	@$(PY) -m bot import-statement "$(FILE)" --bank "$(or $(BANK),auto)"

simulator: setup  ## say something as a Messenger user to `make run` started with PLATFORM_API_BASE=simulator
	$(PY) -m bot simulator messenger "$(or $(TEXT),xin chào)"

clean:            ## remove models, logs and the local databases (keeps .venv)
	rm -rf models var results .pytest_cache .ruff_cache
