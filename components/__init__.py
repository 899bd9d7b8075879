"""The web app's shared pieces.

urls (page paths, the Danish query keys/values, links and their titles), labels
(Danish names of codes, targets from the rules), format (Danish numbers and
dates), ui (engine/scope of a request, headers, tables), filters (the labelled
filter control), cards (KPI cards and their grid), export (Excel/CSV downloads),
banner (the load banner on every page).

The serving side: http (compression, asset cache headers, /healthz and /readyz),
weblog (JSON logs, request ids), cache (the shared per-load cache, Redis when
REDIS_URL is set).
"""
