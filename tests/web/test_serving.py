"""The web tier as production serves it: health probes, JSON logs with request ids,
compression and asset caching, and the per-load cache (Flask test client, both backends)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import logging
import re
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, insert

import app as webapp
from components import cache as web_cache
from components import weblog
from pages import overblik, sager, udvikling
from store import case_list, kpi_results
from store.db import get_engine, init_db
from store.models import EtlRun
from store.scope import Scope
from tests.web import payloads
from tests.web.conftest import add_user, csrf_headers, login
from vocab import Role

ALL = Scope.everything()
REDIS = ("127.0.0.1", 6379)


@pytest.fixture
def client() -> Any:
    return webapp.server.test_client()


def add_load(engine: Engine, run_id: int, finished: dt.datetime) -> None:
    """A newer good load (its run record only: enough for freshness and cache keys)."""
    with engine.begin() as conn:
        conn.execute(
            insert(EtlRun),
            [
                {
                    "run_id": run_id,
                    "started_at": finished - dt.timedelta(minutes=5),
                    "finished_at": finished,
                    "status": "loaded",
                    "source_path": f"/data/udtraek/{run_id}",
                    "extract_date": finished.date() - dt.timedelta(days=1),
                    "rows_loaded": {},
                    "rows_rejected": {},
                    "outcome": {"code": "loaded", "rows_rejected": 0, "problems": 0, "errors": 0},
                }
            ],
        )


# ------------------------------------------------------------------ health
def test_healthz_answers_without_a_database(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.data == b"ok"


def test_readyz_empty_store_is_not_ready(
    client: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {"ready": False, "reason": "no load yet"}


def test_readyz_without_database_is_not_ready(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["ready"] is False
    assert response.json["reason"].startswith("database unavailable")
    assert "127.0.0.1" not in response.json["reason"]  # no connection details leak


def test_readyz_stale_then_ready_after_a_fresh_load(
    client: Any, web_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STALE_HOURS", "1")  # the sample's load finished 2026-11-22 02:05
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert stale.json["ready"] is False and "hours old (STALE_HOURS=1)" in stale.json["reason"]
    assert stale.json["run_id"] == 1
    add_load(web_store, 2, dt.datetime.now().replace(microsecond=0))
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["ready"] is True and ready.json["run_id"] == 2
    assert ready.headers["Cache-Control"] == "no-store"


# ------------------------------------------------------------------ logs
@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the web tier logs while the test runs, as the JSON lines production writes."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(weblog.JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_log_lines_are_json_with_the_request_id_and_no_cpr(json_log: io.StringIO) -> None:
    server = webapp.server
    with server.test_request_context("/sager", headers={"X-Request-ID": "req-42"}):
        server.preprocess_request()  # the before-request hooks: the request id
        logging.getLogger("pages.sager").warning("rejected row for 010203-1234 (case S1)")
        try:
            raise ValueError("bad cpr 0102031234")
        except ValueError:
            logging.getLogger("pages.sager").exception("failed for %s", "311299-4321")
    logged = lines(json_log)
    assert [line["request_id"] for line in logged] == ["req-42", "req-42"]
    assert set(logged[0]) == {"time", "level", "logger", "message", "request_id"}
    assert logged[0]["level"] == "WARNING" and logged[0]["logger"] == "pages.sager"
    assert dt.datetime.fromisoformat(logged[0]["time"]).tzinfo is not None
    text = json_log.getvalue()
    for full in ("010203-1234", "0102031234", "311299-4321"):
        assert full not in text
    assert "010203-XXXX" in logged[0]["message"] and "ValueError" in logged[1]["exc"]


def test_each_request_has_an_id_echoed_and_logged(client: Any, json_log: io.StringIO) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a"})
    assert given.headers["X-Request-ID"] == "lb-7f3a"
    made = client.get("/healthz", headers={"X-Request-ID": "not a token; 010203-1234"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    cpr_like = client.get("/healthz", headers={"X-Request-ID": "0102031234"})
    assert cpr_like.headers["X-Request-ID"] != "0102031234"
    other = client.get("/healthz")
    assert other.headers["X-Request-ID"] not in (made.headers["X-Request-ID"], "lb-7f3a")
    access = [line for line in lines(json_log) if line["logger"] == weblog.ACCESS_LOGGER]
    assert [line["request_id"] for line in access] == [
        "lb-7f3a",
        made.headers["X-Request-ID"],
        cpr_like.headers["X-Request-ID"],
        other.headers["X-Request-ID"],
    ]
    assert access[0]["message"].startswith("GET /healthz 200 ")


# ------------------------------------------------------------------ compression
def test_plotly_bundle_is_compressed_and_revalidated(client: Any) -> None:
    url = "/_dash-component-suites/plotly/package_data/plotly.min.js"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(plain.data) > 4_000_000 and len(zipped.data) < len(plain.data) / 3
    brotli = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert brotli.headers["Content-Encoding"] == "br"
    assert len(brotli.data) < len(zipped.data)
    # no version in its name: revalidated, and unchanged costs a 304
    again = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304 and zipped.headers["Cache-Control"] == "no-cache"


def test_versioned_assets_are_cached_for_a_year(
    client: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    init_db(get_engine(db_url))
    add_user(db_url, "dir", Role.DIRECTORATE)
    login(client, "dir")
    index = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'src="(/_dash-component-suites/[^"]+)"', index)
    styles = re.findall(r'href="(/assets/[^"]+\?m=[^"]+)"', index)
    assert scripts and styles
    for url in (*scripts, *styles):
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        assert response.headers["Content-Encoding"] == "gzip", url
    renderer = next(u for u in scripts if "dash_renderer" in u)
    raw = client.get(renderer, headers={"Accept-Encoding": "identity"}).data
    assert gzip.decompress(client.get(renderer, headers={"Accept-Encoding": "gzip"}).data) == raw


def test_callback_json_is_compressed(client: Any, web_store: Engine, db_url: str) -> None:
    add_user(db_url, "dir", Role.DIRECTORATE)
    login(client, "dir")
    payload = payloads.trend(["K3", "K1"], ["HCK", "ALL"])
    response = client.post(
        "/_dash-update-component",
        json=payload,
        headers={"Accept-Encoding": "gzip", **csrf_headers(client)},
    )
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(response.data))
    assert "HCK hvis intet gøres" in json.dumps(body, ensure_ascii=False)


# ------------------------------------------------------------------ per-load cache
calls: list[tuple[Any, ...]] = []


def counted(engine: Engine, scope: Scope, center: str | None = None) -> dict[str, Any]:
    """A stand-in store read that says how often it ran."""
    calls.append((scope, center))
    return {"n": len(calls), "center": center}


@pytest.mark.logged_out
def test_cache_keeps_a_value_within_a_load_and_reads_again_after_a_new_run(
    web_store: Engine,
) -> None:
    calls.clear()
    cached = web_cache.memoize_per_load(counted)
    first = cached(web_store, ALL, "HCK")
    assert cached(web_store, ALL, center="HCK") == first == {"n": 1, "center": "HCK"}
    assert len(calls) == 1  # positional and keyword spellings share the entry
    # the scope and every argument are part of the key
    assert cached(web_store, ALL, "SCK")["n"] == 2
    assert cached(web_store, Scope(centers=frozenset({"HCK"})), "HCK")["n"] == 3
    assert len(calls) == 3
    # a new load: new keys, the read runs again
    add_load(web_store, 2, dt.datetime(2026, 11, 24, 2, 5))
    assert cached(web_store, ALL, "HCK") == {"n": 4, "center": "HCK"}
    assert cached(web_store, ALL, "HCK")["n"] == 4


@pytest.mark.logged_out
def test_cache_is_not_used_before_any_load(db_engine: Engine) -> None:
    calls.clear()
    cached = web_cache.memoize_per_load(counted)
    cached(db_engine, ALL)
    cached(db_engine, ALL)
    assert len(calls) == 2


@pytest.mark.logged_out
def test_cache_keys_are_stable_text() -> None:
    scope = Scope(centers=frozenset({"SCK", "HCK", "BFCK"}))
    assert web_cache.key_part(scope) == (
        "Scope(centers={'BFCK','HCK','SCK'},caseworker_id=None,can_see_cpr=False,team=None)"
    )
    assert web_cache.key_part(case_list.ListFilter(center="HCK", due_from=dt.date(2026, 12, 1)))
    with pytest.raises(TypeError):
        web_cache.key_part(object())


def test_pages_read_cached_results(web_store: Engine) -> None:
    for cached, read in (
        (overblik.kpi_overview, kpi_results.kpi_overview),
        (overblik.team_table, kpi_results.team_table),
        (udvikling.kpi_trend, kpi_results.kpi_trend),
        (sager.filter_options, case_list.filter_options),
    ):
        assert cached.uncached is read
    assert overblik.kpi_overview(web_store, ALL).equals(kpi_results.kpi_overview(web_store, ALL))
    assert overblik.kpi_overview(web_store, ALL).equals(kpi_results.kpi_overview(web_store, ALL))
    trend = udvikling.kpi_trend(web_store, ALL, kpis=["K3"], centers=["HCK"])
    assert trend.equals(kpi_results.kpi_trend(web_store, ALL, kpis=["K3"], centers=["HCK"]))
    assert len(webapp.server.extensions["cache"][web_cache.cache]._cache) >= 2


def _redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def redis_cache() -> Iterator[str]:
    """The shared cache on Redis (db 15, a prefix of its own), for one test."""
    if not _redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    server = Flask("redis-test")
    config = web_cache.cache_config("redis://127.0.0.1:6379/15")
    config["CACHE_KEY_PREFIX"] = f"fristvagt-test-{uuid.uuid4().hex[:8]}:"
    web_cache.cache.init_app(server, config=config)
    try:
        yield config["CACHE_KEY_PREFIX"]
    finally:
        web_cache.cache.clear()
        web_cache.init_cache(webapp.server)  # back to the app's own


@pytest.mark.logged_out
def test_cache_on_redis_is_shared(web_store: Engine, redis_cache: str) -> None:
    import redis

    calls.clear()
    cached = web_cache.memoize_per_load(counted)
    assert cached(web_store, ALL, "HCK") == cached(web_store, ALL, "HCK")
    assert len(calls) == 1
    keys = redis.Redis.from_url("redis://127.0.0.1:6379/15").keys(f"{redis_cache}memo:*")
    assert len(keys) == 1  # where another worker or machine finds it


@pytest.mark.logged_out
def test_a_cache_that_does_not_answer_is_skipped(
    web_store: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    server = Flask("dead-redis")
    web_cache.cache.init_app(server, config=web_cache.cache_config("redis://127.0.0.1:1/0"))
    try:
        calls.clear()
        cached = web_cache.memoize_per_load(counted)
        assert cached(web_store, ALL)["n"] == 1 and cached(web_store, ALL)["n"] == 2
        assert "cache read failed" in caplog.text
    finally:
        web_cache.init_cache(webapp.server)
