.PHONY: run test lint format bench demo settings
run:        ## demo extract + ETL + dashboard on localhost
	bin/run
test:       ## the whole test suite (SQLite + PostgreSQL + headless Chromium)
	bin/test
lint:
	bin/lint
format:
	bin/setup && .venv/bin/ruff check --fix . && .venv/bin/ruff format .
bench:      ## benchmarks (by hand): load, KPIs, web
	bin/setup && .venv/bin/python bench/bench_load.py && .venv/bin/python bench/bench_kpis.py && .venv/bin/python bench/bench_web.py
settings:
	@bin/setup >/dev/null && .venv/bin/python -m settings
