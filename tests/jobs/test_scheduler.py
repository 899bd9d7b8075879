"""The nightly run (`python -m etl scheduler`): the newest extract of the drop folder is
loaded once; the same extract again is not loaded; a night missed while the scheduler
was down runs exactly once at start; a held lock is "already running"; a refused
extract keeps the data and mails the operators (a real SMTP server, aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select

from jobs import scheduler
from store import runs
from store.db import get_engine, init_db
from store.models import EtlRun, KpiResult
from tests.etl.etl_extract_factory import valid_files, write_extract

ROOT = Path(__file__).resolve().parents[2]


def _runs(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as c:
        rows = c.execute(select(EtlRun.run_id, EtlRun.status).order_by(EtlRun.run_id))
        return [(int(r[0]), str(r[1])) for r in rows]


def _etl(url: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args, "--database-url", url],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Any:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def _drop(tmp_path: Path) -> Path:
    drop = tmp_path / "drop"
    drop.mkdir()
    return drop


def test_newest_extract_of_the_drop_folder(tmp_path: Path) -> None:
    drop = _drop(tmp_path)
    assert scheduler.newest_extract(drop) is None
    old = write_extract(drop / "2024-06-29")
    new = drop / "2024-06-30.zip"
    shutil.make_archive(str(new.with_suffix("")), "zip", old)
    (drop / "half.zip.part").write_text("x")
    os.utime(old, (1, 1))
    assert scheduler.newest_extract(drop) == new
    assert scheduler.newest_extract(tmp_path / "none") is None


def test_once_loads_the_newest_then_not_again(db_url: str, tmp_path: Path) -> None:
    drop = _drop(tmp_path)
    write_extract(drop / "night1")
    env = {"DROP_DIR": str(drop)}
    first = _etl(db_url, env, "scheduler", "--once")
    assert first.returncode == 0, first.stderr
    engine = get_engine(db_url)
    assert _runs(engine) == [(1, "loaded")]
    again = _etl(db_url, env, "scheduler", "--once")  # the same extract: same content hash
    assert again.returncode == 0, again.stderr
    assert _runs(engine) == [(1, "loaded"), (2, "duplicate")]
    with engine.connect() as c:  # nothing written again: the results are the first load's
        assert set(c.execute(select(KpiResult.run_id).distinct()).scalars()) == {1}


def test_already_running_is_reported_and_nothing_recorded(db_url: str, tmp_path: Path) -> None:
    drop = _drop(tmp_path)
    write_extract(drop / "night1")
    engine = get_engine(db_url)
    with runs.run_lock(engine):  # another process's load holds the lock
        busy = _etl(db_url, {"DROP_DIR": str(drop)}, "scheduler", "--once")
    assert busy.returncode == 3
    assert "already running" in busy.stderr
    assert _runs(engine) == []


def test_refused_extract_keeps_the_data_and_mails_operators(
    db_url: str, tmp_path: Path, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    drop = _drop(tmp_path)
    write_extract(drop / "night1")
    env = {
        "DROP_DIR": str(drop),
        "OPERATOR_EMAILS": "drift@kk.example,vagt@kk.example",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
    }
    assert _etl(db_url, env, "scheduler", "--once").returncode == 0
    assert inbox.messages == []  # a good night sends nothing
    files = valid_files()
    del files["sager"]  # a broken extract arrives the next night
    broken = write_extract(drop / "night2", files)
    os.utime(broken, (time.time() + 60, time.time() + 60))
    refused = _etl(db_url, env, "scheduler", "--once")
    assert refused.returncode == 2
    engine = get_engine(db_url)
    assert _runs(engine) == [(1, "loaded"), (2, "refused")]
    assert runs.last_loaded(engine).run_id == 1  # the data shown stays the last good load
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert sorted(mail.rcpt_tos) == ["drift@kk.example", "vagt@kk.example"]
    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert message["Subject"] == "Fristvagt: natlig indlæsning afvist (kørsel 2)"
    body = message.get_content()
    assert "sager.csv" in body and "data pr. 2024-06-30 (kørsel 1)" in body
    assert "1234" not in body  # the reason, never a CPR


def test_empty_drop_folder_mails_operators(
    db_url: str, tmp_path: Path, smtp: tuple[int, Inbox]
) -> None:
    port, inbox = smtp
    env = {
        "DROP_DIR": str(_drop(tmp_path)),
        "OPERATOR_EMAILS": "drift@kk.example",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
    }
    assert _etl(db_url, env, "scheduler", "--once").returncode == 2
    assert len(inbox.messages) == 1
    message = email.message_from_bytes(inbox.messages[0].content, policy=email.policy.default)
    assert "fandt intet udtræk" in message["Subject"] and "ingen udtræk" in message.get_content()


def test_missed_night_is_computed_from_the_schedule(db_engine: Engine) -> None:
    zone = scheduler.ZONE
    trigger = scheduler.CronTrigger(hour=4, minute=30, timezone=zone)
    now = dt.datetime(2026, 11, 24, 9, 0, tzinfo=zone)
    assert scheduler.last_fire_before(trigger, now) == dt.datetime(2026, 11, 24, 4, 30, tzinfo=zone)
    early = dt.datetime(2026, 11, 24, 3, 0, tzinfo=zone)
    assert scheduler.last_fire_before(trigger, early) == dt.datetime(
        2026, 11, 23, 4, 30, tzinfo=zone
    )
    assert scheduler.missed_night(db_engine, trigger, now)  # no run at all
    with db_engine.begin() as c:
        c.execute(
            EtlRun.__table__.insert().values(
                started_at=dt.datetime(2026, 11, 24, 4, 31),
                status="loaded",
                source_path="x",
                file_hashes={},
                rows_loaded={},
                rows_rejected={},
            )
        )
    assert not scheduler.missed_night(db_engine, trigger, now)
    assert scheduler.missed_night(db_engine, trigger, now + dt.timedelta(days=1))


def test_a_scheduler_started_after_a_missed_night_runs_exactly_once(
    db_url: str, tmp_path: Path
) -> None:
    drop = _drop(tmp_path)
    write_extract(drop / "night1")
    engine = get_engine(db_url)
    init_db(engine)
    # the schedule fired a minute ago (or at least within the last day) and no run exists
    fired = dt.datetime.now(scheduler.ZONE) - dt.timedelta(minutes=1)
    hour = fired.hour if fired.hour != 2 else 3
    log_path = tmp_path / "scheduler.log"
    env = {**os.environ, "DROP_DIR": str(drop), "SCHEDULE_TIME": f"{hour:02d}:{fired.minute:02d}"}
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "etl", "scheduler", "--database-url", db_url],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _runs(engine)[-1:] != [(1, "loaded")]:
            assert proc.poll() is None, log_path.read_text()
            time.sleep(0.5)
        assert _runs(engine) == [(1, "loaded")], log_path.read_text()
        time.sleep(5)  # running on: no second run for the same night
        assert _runs(engine) == [(1, "loaded")]
        assert proc.poll() is None  # it keeps waiting for the next night
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert "running it once now" in log_path.read_text()


def test_schedule_time_refuses_the_daylight_saving_hour(db_url: str) -> None:
    bad = _etl(db_url, {"SCHEDULE_TIME": "02:30"}, "scheduler", "--once")
    assert bad.returncode != 0 and "daylight saving" in bad.stderr
