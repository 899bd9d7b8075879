"""The ETL's pure steps: read, stage and validate a case extract (no database).

Layers: `etl.read` (finding files, the size guard; one file's decoding and
parsing is `etl.parse`) -> `etl.staging` -> `etl.validate` (row rules; the
cross-file rules are `etl.cross_file`, the pieces both share `etl.checks`),
joined by `etl.prepare`; `etl.contract` is the extract contract as data,
`etl.problems` the problems as data. Writing the store and the run record is the load job's (`jobs.load`);
`python -m etl` is its command line (`jobs.etl_cli`).
"""
