"""The ETL: read, stage, validate and load a case extract (`python -m etl`).

Layers: `etl.read` -> `etl.staging` -> `etl.validate` -> `etl.pipeline`;
`etl.contract` is the extract contract as data.
"""
