# migrator: two commands on a fresh machine.
#   make bench  - generate big exports; time, memory and push rate (BENCH_ARGS=--quick for a fast run)
#   make demo   - virtualenv, install, convert a fixture into exports/
#   make test   - virtualenv, install with test extras, run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEMO   ?= fixtures/therapy-thread.wxr

.PHONY: demo test bench clean install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: setup.py $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: setup.py $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	@echo "== inspect $(DEMO)"
	$(BIN)/migrator inspect $(DEMO)
	@echo "== convert $(DEMO) into exports/"
	$(BIN)/migrator convert $(DEMO) \
		--to sqlite:exports/demo.db --to json:exports/demo/ --to jsonl:exports/demo.jsonl \
		--report exports/demo-report.json
	@echo "== wrote:"
	@ls -la exports/demo.db exports/demo.jsonl exports/demo-report.json exports/demo/ | sed 's/^/   /'

test: install-test
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m bench.run --push $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache exports/demo* bench-data
