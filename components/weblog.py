"""The web tier's logs: one JSON object a line, a request id in each, no personal data.

`JsonFormatter` writes `{"time", "level", "logger", "message", "request_id"}`
(and `exc` for a traceback); every text goes through `cpr.mask_text` first, so
a CPR number in a message, an argument or a traceback never reaches the log.
`init_request_ids(server)` gives each request an id, from its `X-Request-ID`
header when that is a plain token, else a new one; the id is in every log
line written while the request runs, in the response's `X-Request-ID` header,
and in the one access line logged per request (method, path without the query
string, status, milliseconds). gunicorn.conf.py and `python app.py` both log
through `configure_logging` / `LOGGING`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

import cpr

REQUEST_ID_HEADER = "X-Request-ID"
ACCESS_LOGGER = "fristvagt.access"
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # a proxy's id, or ours (32 hex)
# Requests for static files are logged at DEBUG: a page view fetches a dozen.
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")

log = logging.getLogger(__name__)
access_log = logging.getLogger(ACCESS_LOGGER)


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    if not has_request_context():
        return None
    return getattr(g, "request_id", None)


class JsonFormatter(logging.Formatter):
    """One log record as one line of JSON, every text CPR-masked."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # a bad %-format in a log call: keep the template
            message = str(record.msg)
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": cpr.mask_text(message),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        if record.exc_info:
            out["exc"] = cpr.mask_text(self.formatException(record.exc_info))
        elif record.exc_text:
            out["exc"] = cpr.mask_text(record.exc_text)
        return json.dumps(out, ensure_ascii=False, default=str)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` that sends everything, gunicorn's own lines too,
    as JSON to stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "components.weblog.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # gunicorn's own lines through ours; its access lines off (the app writes one
            # per request, with the request id and without the client's address)
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            "werkzeug": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    """JSON logs for this process (`python app.py`; gunicorn uses `logging_config`)."""
    logging.config.dictConfig(logging_config(level))


def _request_id() -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "").strip()
    # a plain token, and nothing that looks like a CPR number (it goes into every line)
    if _TOKEN.match(given) and cpr.mask_text(given) == given:
        return given
    return uuid.uuid4().hex


def init_request_ids(server: Flask) -> None:
    """A request id for each request (in its logs and its response) and an access line."""

    @server.before_request
    def _start() -> None:
        g.request_id = _request_id()
        g.request_started = time.perf_counter()

    @server.after_request
    def _finish(response: Response) -> Response:
        rid = getattr(g, "request_id", None)
        if rid:
            response.headers[REQUEST_ID_HEADER] = rid
        started = getattr(g, "request_started", None)
        ms = (time.perf_counter() - started) * 1000 if started else 0.0
        level = logging.DEBUG if request.path.startswith(STATIC_PREFIXES) else logging.INFO
        access_log.log(
            level, "%s %s %s %.0f ms", request.method, request.path, response.status_code, ms
        )
        return response
