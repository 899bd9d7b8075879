"""The jobs: the entry points on top of the pure packages and the store.

`jobs.load` is the nightly load, one visible sequence (read, stage, validate,
write the extract, evaluate, write the results, finish the run); `jobs.refresh`
computes what the store keeps of monitoring (snapshot, forecast, history);
`jobs.etl_cli` and `jobs.monitoring_cli` are the command lines behind
`python -m etl` and `python -m monitoring`. A job calls `etl` and `monitoring`
(pure, floor 1) and `store` (the only SQL, floor 2); none of them calls a job.
"""
