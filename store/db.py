"""The one module that owns database access: engines, schema, bulk loads, reads.

Every other package goes through these functions; nothing else builds SQL
connections. SQLite (the embedded default) runs in WAL mode with a busy
timeout so the web app can read while the ETL writes, and its write-ahead log
is emptied after a load (`checkpoint`); PostgreSQL is reached through psycopg 3
and bulk-loaded with COPY. `process_lock` is the lock a load holds for as long
as its process lives.
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Index,
    MetaData,
    Table,
    create_engine,
    delete,
    event,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.schema import CreateIndex, DropIndex

import settings
from store.models import DATA_MODELS, Base

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def database_url(url: str | None = None) -> str:
    """The store's URL: the argument, else the DATABASE_URL setting.

    A plain `postgresql://` URL is turned into `postgresql+psycopg://`.
    """
    url = url or settings.DATABASE_URL.get()
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def get_engine(url: str | None = None) -> Engine:
    """One engine (and pool) per URL per process (the URL is resolved before caching)."""
    return _engine_for(database_url(url))


@functools.cache
def _engine_for(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        file = _sqlite_file(parsed)
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        busy_ms = int(settings.SQLITE_BUSY_TIMEOUT_MS.get())

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # Python's sqlite3 opens transactions only before INSERT/UPDATE/DELETE, so
            # DDL (index rebuilds, migrations) would commit on its own. Let SQLAlchemy
            # begin every transaction itself (SQLAlchemy's pysqlite recipe).
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def store_label(store: Engine | str | None = None) -> str:
    """Where the store is, for messages: the SQLite file, or the URL without password
    (of an engine, or of a URL: the DATABASE_URL setting by default)."""
    url = store.url if isinstance(store, Engine) else make_url(database_url(store))
    path = _sqlite_file(url)
    return str(path) if path is not None else url.render_as_string(hide_password=True)


def sqlite_path(engine: Engine) -> Path | None:
    """The file of a SQLite store (None for PostgreSQL and in-memory SQLite)."""
    return _sqlite_file(engine.url)


def _sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database.startswith("file:"):  # a URI filename: sqlite:///file:/path?mode=ro&uri=true
        database = database[len("file:") :].split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    return Path(database)


def init_db(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (creates it on a new store)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def drop_all(engine: Engine) -> None:
    """Drop every table, Alembic's version table included (tests only)."""
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


_PENDING_SWAPS = "fristvagt.pending_swaps"


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction: committed on success, rolled back on any error.

    Tables rebuilt in it (`rebuild_table`, PostgreSQL) take their places together
    at its end, just before the commit, so readers wait only for that moment.
    """
    with engine.begin() as conn:
        conn.info[_PENDING_SWAPS] = []
        try:
            yield conn
            for swap in conn.info[_PENDING_SWAPS]:
                swap()
        finally:
            conn.info.pop(_PENDING_SWAPS, None)


# ---------------------------------------------------------------- process lock
# The key of the PostgreSQL advisory lock held by a load (per database).
PROCESS_LOCK_KEY = 4_711_2026


class LockHeld(Exception):
    """Another process holds the lock."""


class ProcessLock:
    """An exclusive lock that lives exactly as long as the process holding it.

    PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a
    connection of its own, kept open while the lock is held; the server releases
    it when that connection ends, with the process or not. SQLite: an OS file
    lock (`flock`) on `<database>.lock` beside the database file; the kernel
    releases it when the process ends, however it ends. In-memory SQLite: none
    needed (no other process sees the store). Never waits: `acquire` raises
    `LockHeld` at once when another process holds it.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.held = False
        self._conn: Connection | None = None
        self._fd: int | None = None

    @property
    def lock_file(self) -> Path | None:
        """The SQLite store's lock file (None for PostgreSQL and in-memory SQLite)."""
        path = sqlite_path(self.engine)
        return path.with_name(path.name + ".lock") if path is not None else None

    def acquire(self) -> ProcessLock:
        if self.held:
            raise RuntimeError("the lock is already held")
        if is_postgres(self.engine):
            self._acquire_advisory()
        elif self.lock_file is not None:
            self._acquire_file(self.lock_file)
        self.held = True
        return self

    def _acquire_advisory(self) -> None:
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": PROCESS_LOCK_KEY}
            ).scalar_one()
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            raise LockHeld(f"the advisory lock {PROCESS_LOCK_KEY} of {store_label(self.engine)}")
        self._conn = conn

    def _acquire_file(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(f"the lock file {path}") from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)  # for a person looking: who holds it
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Release the lock (also when its connection has broken meanwhile)."""
        if not self.held:
            return
        self.held = False
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": PROCESS_LOCK_KEY})
            except Exception:  # the session is gone, and its lock with it
                log.warning("could not release the advisory lock; closing its connection")
                conn.invalidate()
            finally:
                conn.close()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def is_free(self) -> bool:
        """Whether no process holds the lock now (taken and released again at once)."""
        try:
            self.acquire()
        except LockHeld:
            return False
        self.release()
        return True

    def __enter__(self) -> ProcessLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def process_lock(engine: Engine) -> ProcessLock:
    """The store's process lock (not yet acquired): `with process_lock(engine): ...`."""
    return ProcessLock(engine)


def checkpoint(engine: Engine) -> None:
    """SQLite: copy the write-ahead log into the database and truncate it to 0 bytes.

    A load is one large transaction: its WAL grows to the size of everything it
    wrote and would stay that size on disk. Waits (up to the busy timeout) for
    readers of older snapshots; if one still reads, the log is left for the
    next checkpoint. PostgreSQL: nothing to do.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        busy, wal_pages, moved = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        log.info("WAL checkpoint: a reader was busy; %s of %s pages moved", moved, wal_pages)


# ------------------------------------------------------------------ bulk writes
def _column_kinds(table: Any) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for col in table.columns:
        if isinstance(col.type, DateTime):
            kinds[col.name] = "datetime"
        elif isinstance(col.type, Date):
            kinds[col.name] = "date"
        elif isinstance(col.type, Boolean):
            kinds[col.name] = "bool"
        elif isinstance(col.type, JSON):
            kinds[col.name] = "json"
        else:
            kinds[col.name] = "other"
    return kinds


def _rows(
    df: pd.DataFrame, columns: list[str], kinds: Mapping[str, str], sqlite: bool
) -> list[tuple[Any, ...]]:
    """The frame as DB-API tuples: None for missing, dates as the driver wants them."""
    out: dict[str, list[Any]] = {}
    for name in columns:
        s = df[name]
        kind = kinds[name]
        if kind in ("date", "datetime"):
            s = pd.to_datetime(s)
            if kind == "date":  # ISO text: SQLite stores it, COPY parses it
                days = s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
                text_days = np.datetime_as_string(days, unit="D").astype(object)
                text_days[s.isna().to_numpy()] = None
                vals = text_days.tolist()
            else:
                vals = [v.to_pydatetime() if not pd.isna(v) else None for v in s]
                if sqlite:
                    vals = [v.isoformat(sep=" ") if v is not None else None for v in vals]
        elif kind == "bool":
            vals = [None if pd.isna(v) else bool(v) for v in s.astype(object)]
        elif kind == "json":  # JSON text as given; dicts and lists are encoded
            vals = [
                v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                for v in s.astype(object).where(s.notna(), None)
            ]
        else:
            obj = s.astype(object)
            vals = obj.where(s.notna(), None).tolist()
            if s.dtype == object:  # may hold numpy scalars; text and numeric dtypes do not
                vals = [v.item() if hasattr(v, "item") else v for v in vals]
        out[name] = vals
    return list(zip(*(out[c] for c in columns), strict=True)) if columns else []


def bulk_insert(conn: Connection, model: type[Base], df: pd.DataFrame) -> int:
    """Insert a frame whose columns are (a subset of) the model's columns.

    PostgreSQL: COPY through psycopg 3. SQLite: one executemany. Runs inside
    the caller's transaction. Returns the number of rows written.
    """
    return _bulk_insert(conn, model.__table__, df)


# Rows converted to Python tuples at a time: bounds the memory a big table costs.
BULK_CHUNK_ROWS = 50_000


def _bulk_insert(conn: Connection, table: Table, df: pd.DataFrame) -> int:
    if df.empty:
        return 0
    columns = [c.name for c in table.columns if c.name in df.columns]
    sqlite = conn.dialect.name == "sqlite"
    kinds = _column_kinds(table)
    quoted = ", ".join(f'"{c}"' for c in columns)
    chunks = (
        _rows(df.iloc[i : i + BULK_CHUNK_ROWS], columns, kinds, sqlite)
        for i in range(0, len(df), BULK_CHUNK_ROWS)
    )
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        sql = f'COPY "{table.name}" ({quoted}) FROM STDIN'
        with raw.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[union-attr]
            for rows in chunks:
                for row in rows:
                    copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        insert_sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})'
        for rows in chunks:
            cur.executemany(insert_sql, rows)
    return len(df)


def replace_tables(conn: Connection, frames: Mapping[type[Base], pd.DataFrame]) -> dict[str, int]:
    """Replace the whole content of each given table, inside the caller's transaction.

    DELETE (not TRUNCATE) so that PostgreSQL readers keep seeing the old rows
    until commit; in SQLite WAL mode readers see the old snapshot likewise.
    """
    counts: dict[str, int] = {}
    for model in reversed(list(frames)):
        conn.execute(delete(model))
    for model, df in frames.items():
        counts[model.__tablename__] = bulk_insert(conn, model, df)
    return counts


def rebuild_table(conn: Connection, model: type[Base], df: pd.DataFrame) -> int:
    """Replace the whole content of a large, much-indexed table in the caller's
    transaction, building its indexes after the rows (several times faster than
    inserting into the indexed table). Returns the number of rows written.

    Readers keep seeing the old rows until commit. SQLite: the indexes are dropped
    and rebuilt (WAL readers keep their snapshot). PostgreSQL: the rows go into a
    new table that takes the old one's place (and index names): inside
    `transaction()` at its end, together with the other rebuilt tables, else at
    once; readers of the table wait only from that swap to the commit. (No DELETE
    of the old rows either: no dead rows left for VACUUM.)
    """
    table: Table = model.__table__  # type: ignore[assignment]
    if conn.dialect.name == "sqlite":
        for ix in table.indexes:
            conn.execute(DropIndex(ix))
        conn.execute(delete(table))
        n = _bulk_insert(conn, table, df)
        for ix in table.indexes:
            conn.execute(CreateIndex(ix))
        return n
    new_name = f"{table.name}__new"
    new = table.to_metadata(MetaData(), name=new_name)

    def key(ix: Index) -> tuple[str, ...]:  # the indexed expressions, without the table
        return tuple(str(e).split(".", 1)[1] for e in ix.expressions)

    final = {key(ix): str(ix.name) for ix in table.indexes}
    indexes = sorted(new.indexes, key=key)
    for ix in indexes:  # built after the rows, under temporary names
        new.indexes.discard(ix)
        ix.name = f"{final[key(ix)]}__new"
    q = conn.dialect.identifier_preparer.quote
    conn.execute(text(f"DROP TABLE IF EXISTS {q(new_name)}"))
    new.create(conn)
    n = _bulk_insert(conn, new, df)
    for ix in indexes:
        conn.execute(CreateIndex(ix))

    def swap() -> None:
        conn.execute(text(f"DROP TABLE {q(table.name)}"))
        conn.execute(text(f"ALTER TABLE {q(new_name)} RENAME TO {q(table.name)}"))
        conn.execute(
            text(
                f"ALTER TABLE {q(table.name)} RENAME CONSTRAINT {q(new_name + '_pkey')} "
                f"TO {q(table.name + '_pkey')}"
            )
        )
        for ix in indexes:
            conn.execute(text(f"ALTER INDEX {q(str(ix.name))} RENAME TO {q(final[key(ix)])}"))

    if _PENDING_SWAPS in conn.info:
        conn.info[_PENDING_SWAPS].append(swap)
    else:
        swap()
    return n


def replace_current_data(conn: Connection, frames: Mapping[str, pd.DataFrame]) -> dict[str, int]:
    """Replace all current-data tables (keyed by table name) in the caller's transaction
    (`rebuild_table`: the data tables have no foreign keys between them)."""
    return {
        m.__tablename__: rebuild_table(conn, m, frames.get(m.__tablename__, pd.DataFrame()))
        for m in DATA_MODELS
    }


# ------------------------------------------------------------------------ reads
def read_table(conn_or_engine: Connection | Engine, model: type[Base]) -> pd.DataFrame:
    """A whole table as a typed frame: ids/text as pandas strings, dates as datetime64, bools as bool."""
    table = model.__table__
    df = pd.read_sql(table.select(), conn_or_engine)
    kinds = _column_kinds(table)
    for col in table.columns:
        kind = kinds[col.name]
        if kind in ("date", "datetime"):
            df[col.name] = pd.to_datetime(df[col.name]).astype("datetime64[ns]")
        elif kind == "bool":  # a nullable flag keeps "not given" (NA)
            flags = df[col.name].astype("boolean")
            df[col.name] = flags if col.nullable else flags.fillna(False).astype(bool)
        elif col.type.python_type is str:
            df[col.name] = df[col.name].astype("string")
    return df


def read_current_data(conn_or_engine: Connection | Engine) -> dict[str, pd.DataFrame]:
    """Every current-data table, keyed by table name (the monitoring layer's input)."""
    return {m.__tablename__: read_table(conn_or_engine, m) for m in DATA_MODELS}
