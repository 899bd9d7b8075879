"""The web tier's HTTP plumbing: compressed responses, long-cached assets, health probes.

Compression (Flask-Compress; brotli, else gzip): pages, Dash's JSON (layouts,
callback responses) and the script bundles. We do not use `Dash(compress=True)`:
it runs the same Flask-Compress but pins it to gzip and compresses the 4.85 MB
Plotly bundle again on every download (~0.5 s CPU each). Instead the script and
style files whose URL names their version (Dash's fingerprinted component
suites `…/dash_renderer.v4_4_1m1795465836.min.js`, the assets' `?m=<mtime>`)
are compressed once per worker, kept in memory, and sent with
`Cache-Control: public, max-age=31536000, immutable`: a browser fetches each
version once. The few scripts Dash loads by a name without version (the Plotly
bundle, its lazy chunks) are compressed once per worker too and revalidated by
ETag: the browser gets a 304 while they are unchanged. Streamed responses (exports) are left uncompressed, so their
first bytes leave at once.

`/healthz`: the process answers (200 "ok", no database). `/readyz`: the database
answers and the newest good load is younger than STALE_HOURS (200 JSON), else
503 with `{"ready": false, "reason": ...}`: a load balancer's readiness probe.
"""

from __future__ import annotations

import datetime as dt
import gzip
import logging
import threading
from collections.abc import Callable

import brotli
from dash.fingerprint import check_fingerprint
from flask import Flask, Response, jsonify, request
from flask_compress import Compress

import settings
from components import ui
from store import data_quality
from store.scope import Scope

log = logging.getLogger(__name__)

ONE_YEAR = 31_536_000
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"
COMPONENT_SUITES = "/_dash-component-suites/"
ASSETS = "/assets/"
COMPRESSIBLE = frozenset(
    {"application/javascript", "text/javascript", "text/css", "application/json", "image/svg+xml"}
)
GZIP_LEVEL = 6
BROTLI_QUALITY = 5  # 4.85 MB of Plotly: 1.27 MB in ~0.7 s, once per worker
MAX_CACHED_BYTES = 64 * 1024 * 1024  # per worker: all of Dash's bundles compressed twice fit


# ------------------------------------------------------------------ compression
def choose_encoding(accept_encoding: str) -> str | None:
    """'br' or 'gzip' (in that order of preference) if the client accepts it, else None."""
    accepted: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 1.0
        accepted[name.strip()] = quality
    for encoding in ("br", "gzip"):
        if accepted.get(encoding, accepted.get("*", 0.0)) > 0:
            return encoding
    return None


def compress(data: bytes, encoding: str) -> bytes:
    """`data` compressed as `br` or `gzip`."""
    if encoding == "br":
        return brotli.compress(data, quality=BROTLI_QUALITY)
    return gzip.compress(data, GZIP_LEVEL, mtime=0)


def is_versioned_asset(path: str, query: dict[str, str]) -> bool:
    """Whether the URL names one version of a file, so it may be cached for a year."""
    if path.startswith(COMPONENT_SUITES):
        return check_fingerprint(path)[1]  # Dash's `name.v4_4_1m1795465836.min.js`
    return path.startswith(ASSETS) and "m" in query


class AssetCache:
    """Script and style files compressed once per worker: (encoding, URL, ETag) -> bytes,
    bounded."""

    def __init__(self, max_bytes: int = MAX_CACHED_BYTES) -> None:
        self.max_bytes = max_bytes
        self._data: dict[tuple[str, ...], bytes] = {}
        self._size = 0
        self._lock = threading.Lock()

    def get_or_compress(self, key: tuple[str, ...], make: Callable[[], bytes]) -> bytes:
        with self._lock:
            hit = self._data.get(key)
        if hit is not None:
            return hit
        value = make()
        with self._lock:
            if key not in self._data and self._size + len(value) <= self.max_bytes:
                self._data[key] = value
                self._size += len(value)
        return value


def init_compression(server: Flask) -> AssetCache:
    """Compress responses (Flask-Compress), versioned assets once, with long cache headers."""
    server.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_LEVEL=GZIP_LEVEL,
        COMPRESS_BR_LEVEL=4,  # callback JSON: fast, and still far smaller than gzip -1
        COMPRESS_MIN_SIZE=500,
        COMPRESS_STREAMS=False,  # an export starts streaming at once
    )
    Compress(server)
    assets = AssetCache()

    # registered after Flask-Compress, so it runs before it (Flask runs them last first);
    # Flask-Compress leaves a response alone that already has a Content-Encoding
    @server.after_request
    def _static_files(response: Response) -> Response:
        versioned = is_versioned_asset(request.path, request.args.to_dict())
        if (
            request.method != "GET"
            or response.status_code != 200
            or not (versioned or request.path.startswith(COMPONENT_SUITES))
        ):
            return response
        # Dash loads a few scripts by a name without version (the Plotly bundle, its lazy
        # chunks): the browser asks again each time and gets a 304 while they are unchanged
        response.headers["Cache-Control"] = IMMUTABLE if versioned else "no-cache"
        response.headers.pop("Expires", None)
        encoding = choose_encoding(request.headers.get("Accept-Encoding", ""))
        if (
            encoding is None
            or response.mimetype not in COMPRESSIBLE
            or "Content-Encoding" in response.headers
        ):
            return response
        response.direct_passthrough = False
        if not versioned and response.get_etag()[0] is None:
            response.add_etag()
        tag = response.get_etag()[0] or ""
        body = assets.get_or_compress(
            (encoding, request.full_path, tag), lambda: compress(response.get_data(), encoding)
        )
        response.set_data(body)
        response.headers["Content-Encoding"] = encoding
        response.headers["Vary"] = "Accept-Encoding"
        response.headers.pop("Accept-Ranges", None)  # byte ranges of the uncompressed file
        if versioned:
            response.headers.pop("ETag", None)  # the version is in the URL
            return response
        response.set_etag(f"{tag}:{encoding}")
        return response.make_conditional(request)

    return assets


# ------------------------------------------------------------------ health
def readiness(now: dt.datetime | None = None) -> tuple[dict[str, object], int]:
    """`/readyz`'s answer and status: ready when the database answers and the newest
    good load is younger than STALE_HOURS."""
    stale_hours = float(settings.STALE_HOURS.get())
    try:
        fresh = data_quality.freshness(ui.engine(), Scope.everything())
    except Exception as exc:
        log.warning("readiness: the database does not answer (%s)", type(exc).__name__)
        return {"ready": False, "reason": f"database unavailable ({type(exc).__name__})"}, 503
    if fresh.last_loaded_at is None:
        return {"ready": False, "reason": "no load yet"}, 503
    now = now or dt.datetime.now()
    age = fresh.age_hours(now) or 0.0
    facts: dict[str, object] = {
        "run_id": fresh.run_id,
        "extract_date": fresh.extract_date.isoformat() if fresh.extract_date else None,
        "loaded_at": fresh.last_loaded_at.isoformat(),
        "age_hours": round(age, 1),
        "stale_hours": stale_hours,
    }
    if fresh.is_stale(now, stale_hours):
        reason = f"newest good load is {age:.1f} hours old (STALE_HOURS={stale_hours:g})"
        return {"ready": False, "reason": reason, **facts}, 503
    return {"ready": True, **facts}, 200


def init_health(server: Flask) -> None:
    """`/healthz` and `/readyz` on the Flask server (beside Dash's own routes)."""

    @server.get("/healthz")
    def healthz() -> Response:
        return Response("ok", mimetype="text/plain", headers={"Cache-Control": "no-store"})

    @server.get("/readyz")
    def readyz() -> tuple[Response, int]:
        body, status = readiness()
        response = jsonify(body)
        response.headers["Cache-Control"] = "no-store"
        return response, status
