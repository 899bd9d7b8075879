"""`python -m etl`: the command line lives in `jobs.etl_cli` (entry points sit on top)."""

from jobs.etl_cli import main

raise SystemExit(main())
