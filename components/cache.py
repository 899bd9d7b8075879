"""The web tier's shared cache: results that only change with a load, computed once per load.

Flask-Caching on Redis when REDIS_URL is set (shared by every worker and every
web machine), an in-process SimpleCache otherwise. `memoize_per_load(fn)` wraps
a store read `fn(engine, scope, ...)`: its result is kept under a key made of
the function, the database, all its arguments (the viewer's `scope` among them)
and the current load (run id and when it finished, and when the month-end history
was last written: `monitoring backfill`), so the next load, a backfill, or
another database, reads afresh, and no two scopes share an entry. Old entries
are never read again and expire after CACHE_SECONDS.

A cache that does not answer (Redis down) is logged and skipped: the page is
computed as if nothing were cached.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from flask import Flask, g, has_app_context
from flask_caching import Cache
from sqlalchemy import Engine

import settings
from store import data_quality, results
from store.scope import Scope

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

KEY_PREFIX = "fristvagt:"
CACHE_SECONDS = 24 * 3600  # a load's entries live a day; the next load uses new keys anyway
LOCAL_ENTRIES = 500  # the in-process cache's size (entries), per worker

cache = Cache()


def cache_config(redis_url: str | None = None) -> dict[str, Any]:
    """Flask-Caching's configuration: Redis when a URL is given (default: REDIS_URL)."""
    url = settings.REDIS_URL.get() if redis_url is None else redis_url
    common = {"CACHE_DEFAULT_TIMEOUT": CACHE_SECONDS, "CACHE_KEY_PREFIX": KEY_PREFIX}
    if url:
        return {
            **common,
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": url,
            # a Redis that does not answer costs a page one second, not a hang
            "CACHE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    return {**common, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": LOCAL_ENTRIES}


def init_cache(server: Flask, redis_url: str | None = None) -> Cache:
    """Bind the shared cache to the Flask server (once, when the app is built)."""
    cache.init_app(server, config=cache_config(redis_url))
    return cache


def _ready() -> bool:
    """Whether `init_cache` ran (a script importing only the pages has no cache)."""
    return getattr(cache, "app", None) is not None


# ------------------------------------------------------------------ keys
def key_part(value: Any) -> str:
    """A value as stable text for a cache key: the same in every process and machine.

    Unordered collections are sorted, dataclasses (a Scope, a ListFilter) spelled
    field by field, an engine by its URL without password. Anything else is refused:
    a key must never depend on an object's identity.
    """
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, enum.Enum):
        return repr(value.value)
    if isinstance(value, str):
        return repr(str(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Engine):
        return value.url.render_as_string(hide_password=True)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(key_part(v) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(key_part(v) for v in value)) + "}"
    if isinstance(value, Mapping):
        items = sorted((key_part(k), key_part(v)) for k, v in value.items())
        return "{" + ",".join(f"{k}:{v}" for k, v in items) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ",".join(
            f"{f.name}={key_part(getattr(value, f.name))}" for f in dataclasses.fields(value)
        )
        return f"{type(value).__name__}({fields})"
    raise TypeError(f"no stable cache key for a {type(value).__name__}")


def load_token(engine: Engine) -> str | None:
    """The current load of a store as text ('12@2026-11-22T02:05:00'), None before any.

    Read once per request (kept on flask.g), or on each call outside a request.
    """
    url = key_part(engine)
    memo: dict[str, str | None] | None = None
    if has_app_context():
        memo = g.setdefault("fristvagt_load_tokens", {})
        if url in memo:
            return memo[url]
    fresh = data_quality.freshness(engine, Scope.everything())
    # the history's stamp too: `monitoring backfill` rewrites it without a new load
    token = (
        None
        if fresh.run_id is None
        else f"{fresh.run_id}@{key_part(fresh.last_loaded_at) if fresh.last_loaded_at else ''}"
        f"#{results.history_stamp(engine) or ''}"
    )
    if memo is not None:
        memo[url] = token
    return token


def memo_key(fn: Callable[..., Any], arguments: Mapping[str, Any], load: str) -> str:
    """The cache key of a call: the function, its arguments by name, and the load."""
    text = f"{fn.__module__}.{fn.__qualname__}|{load}|{key_part(arguments)}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:40]
    return f"memo:{fn.__module__}.{fn.__qualname__}:{digest}"


# ------------------------------------------------------------------ memoize
def memoize_per_load(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn(engine, scope, ...)` cached per load: called once per load, scope and arguments.

    The arguments are bound to `fn`'s signature first, so `f(e, s, "center")` and
    `f(e, s, level="center")` share an entry. Before any load (no run), on a cache
    that does not answer, or before `init_cache`, `fn` is simply called.
    """
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        engine = next(iter(bound.arguments.values()))
        if not isinstance(engine, Engine):
            raise TypeError(f"{fn.__qualname__}: memoize_per_load needs the engine first")
        if not _ready():
            return fn(*args, **kwargs)
        load = load_token(engine)
        if load is None:
            return fn(*args, **kwargs)
        key = memo_key(fn, bound.arguments, load)
        try:
            hit = cache.get(key)
        except Exception as exc:  # the cache is an optimisation: never fail a page for it
            log.warning("cache read failed (%s): computing %s", type(exc).__name__, fn.__name__)
            return fn(*args, **kwargs)
        if hit is not None:
            return hit[0]  # stored as a 1-tuple: a cached None is a hit too
        value = fn(*args, **kwargs)
        try:
            cache.set(key, (value,))
        except Exception as exc:
            log.warning("cache write failed (%s) for %s", type(exc).__name__, fn.__name__)
        return value

    cached.uncached = fn  # type: ignore[attr-defined]
    return cached
