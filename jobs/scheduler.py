"""The nightly run: `python -m etl scheduler [--once]` (issue 12), in its own process.

APScheduler 3 (`BlockingScheduler`, Europe/Copenhagen) fires `nightly` at
SCHEDULE_TIME: it loads the newest extract in DROP_DIR (a folder or a `.zip`) with
the same code as `etl load` (`jobs.load.load_extract`: the run lock, the refusals,
"duplicate" for an extract already loaded, i.e. the same content hash), then
prunes old runs' problem rows. A refused or failed run, or an empty drop folder,
sends the operators an e-mail (`jobs.notify`); the data shown stays the last good
load, and the pages' stale banner appears once it is older than STALE_HOURS.

Never twice at once: the job has `max_instances=1` and `coalesce=True`, and the
load itself holds the store's run lock across processes and machines; a night
whose run finds the lock taken logs "already running" and waits for the next.

A night missed while the scheduler was down: at start, when no run started since
the last time the schedule would have fired, the job runs once at once (and
`misfire_grace_time=None` lets a late firing still run). `--once` runs the job now
and exits with its exit code (for cron or a systemd timer, and tests).

Never started inside web workers: only this command starts it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, func, select

import settings
from jobs import notify
from jobs.load import EtlBusy, load_extract, prune
from store import runs
from store.db import database_url, get_engine, init_db, store_label
from store.models import EtlRun
from vocab import RunStatus, run_outcome_text

log = logging.getLogger(__name__)

ZONE = ZoneInfo("Europe/Copenhagen")
JOB_ID = "nightly-load"
EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_BUSY = 0, 1, 2, 3  # as `etl load`


def nightly_trigger() -> CronTrigger:
    hour, minute = settings.SCHEDULE_TIME.get()
    return CronTrigger(hour=hour, minute=minute, timezone=ZONE)


def newest_extract(drop_dir: Path) -> Path | None:
    """The newest extract in the drop folder: a folder or a `.zip`, by modification time
    (hidden entries and half-copied `.part`/`.tmp` files are skipped)."""
    if not drop_dir.is_dir():
        return None
    entries = [
        p
        for p in drop_dir.iterdir()
        if not p.name.startswith(".")
        and (p.is_dir() or p.suffix.lower() == ".zip")
        and p.suffix.lower() not in (".part", ".tmp")
    ]
    return max(entries, key=lambda p: (p.stat().st_mtime, p.name), default=None)


def last_fire_before(trigger: CronTrigger, now: dt.datetime) -> dt.datetime:
    """When the schedule last fired at or before `now` (aware datetimes)."""
    start = now - dt.timedelta(days=2)
    fire = trigger.get_next_fire_time(None, start)
    last = fire
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
    return last or start


def missed_night(engine: Engine, trigger: CronTrigger, now: dt.datetime | None = None) -> bool:
    """Whether the schedule fired since the newest run started (the night was missed)."""
    now = now or dt.datetime.now(ZONE)
    due = last_fire_before(trigger, now)
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(EtlRun.started_at))).scalar_one_or_none()
    if newest is None:
        return True
    if isinstance(newest, str):
        newest = dt.datetime.fromisoformat(newest)
    # run times are stored as the machine's local wall clock (naive)
    started = newest.astimezone(ZONE) if newest.tzinfo else newest.astimezone(ZONE)
    return started < due


def nightly(url: str | None = None) -> int:
    """One night: load the newest extract of DROP_DIR, prune, tell the operators when it
    loaded nothing. Returns the load's exit code (0 loaded or duplicate, 2 refused,
    3 already running, 1 failed)."""
    engine = get_engine(database_url(url))
    drop = settings.DROP_DIR.get()
    path = newest_extract(drop)
    shown = _shown(engine)
    if path is None:
        log.error("nightly run: no extract in %s", drop)
        notify.send(
            notify.run_failed_message(None, "missing", f"ingen udtræk i {drop}", shown, str(drop))
        )
        return EXIT_REFUSED
    log.info("nightly run: loading %s into %s", path, store_label(engine))
    try:
        result = load_extract(path, engine=engine)
    except EtlBusy as exc:
        log.warning("nightly run: already running (%s); trying again next night", exc)
        return EXIT_BUSY
    if result.status in (RunStatus.LOADED, RunStatus.DUPLICATE):
        log.info("nightly run %s: %s", result.run_id, result.status)
        try:
            prune(engine)
        except EtlBusy:
            log.warning("nightly run: prune skipped, another run holds the lock")
        return EXIT_OK
    reason = run_outcome_text(result.outcome) or result.message or str(result.status)
    details = [
        f"[{p.rule}] {p.file}" + (f" linje {p.line}" if p.line else "") + f": {p.message}"
        for p in result.problems[:10]
    ]
    if details:
        reason += "\n" + "\n".join(details)
    log.error("nightly run %s: %s: %s", result.run_id, result.status, reason)
    notify.send(notify.run_failed_message(result.run_id, result.status, reason, shown, str(path)))
    return EXIT_REFUSED if result.status == RunStatus.REFUSED else EXIT_FAILED


def _shown(engine: Engine) -> str | None:
    """'data pr. 22. nov. 2026 (kørsel 12)': what the pages show, for the e-mail."""
    good = runs.last_loaded(engine)
    if good is None:
        return None
    date = good.extract_date.isoformat() if good.extract_date else "?"
    return f"data pr. {date} (kørsel {good.run_id})"


def build_scheduler(url: str | None = None) -> BlockingScheduler:
    """The scheduler with the nightly job (not started)."""
    scheduler = BlockingScheduler(
        timezone=ZONE,
        job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
    )
    scheduler.add_job(nightly, nightly_trigger(), args=[url], id=JOB_ID, name="nightly load")
    return scheduler


def run(url: str | None = None, once: bool = False) -> int:
    """`etl scheduler`: run the job now (`once`), or schedule it and block."""
    settings.SCHEDULE_TIME.get()  # a bad time stops the command here, --once too
    engine = get_engine(database_url(url))
    init_db(engine)
    if once:
        return nightly(url)
    scheduler = build_scheduler(url)
    trigger = nightly_trigger()
    if missed_night(engine, trigger):
        log.warning("the last scheduled night has no run: running it once now")
        scheduler.add_job(nightly, "date", args=[url], id=JOB_ID + "-missed", name="missed night")
    hour, minute = settings.SCHEDULE_TIME.get()
    log.info(
        "scheduler: nightly load at %02d:%02d Europe/Copenhagen from %s",
        hour,
        minute,
        settings.DROP_DIR.get(),
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    return EXIT_OK
