"""`python -m monitoring`: the command line lives in `jobs.monitoring_cli` (entry points
sit on top: the pure monitoring package never imports the store)."""

from jobs.monitoring_cli import main

raise SystemExit(main())
