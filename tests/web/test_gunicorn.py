"""Production shape: `gunicorn -c gunicorn.conf.py app:server` with 2 workers serves a page
and a Dash callback against the sample store (both backends)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.web import payloads
from tests.web.conftest import add_user, http_callback, http_login
from vocab import Role

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture
def gunicorn(web_store: Engine, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """gunicorn with 2 workers on a free port; its output in a file (never a pipe nobody
    reads); stopped at the end."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": web_store.url.render_as_string(hide_password=False),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_WORKERS": "2",
        "WEB_THREADS": "2",
        "STALE_HOURS": "1000000",
    }
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "app:server"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(base + "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log_path.read_text(errors="replace"))
            time.sleep(0.2)
        yield base, log_path
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_gunicorn_serves_a_page_and_a_callback(gunicorn: tuple[str, Path], db_url: str) -> None:
    base, log_path = gunicorn
    add_user(db_url, "dir", Role.DIRECTORATE)
    web = http_login(base, "dir")  # the session works on either worker
    page = web.get(base + "/", timeout=30)
    assert page.status_code == 200 and "<title>Fristvagt" in page.text
    assert page.headers["X-Request-ID"]
    status, _, body = _get(base + "/readyz")
    assert status == 200 and json.loads(body)["ready"] is True
    # the banner's callback, as the browser posts it on each page change
    payload = payloads.shell("/sager")  # as the browser posts it on each page change
    request_ids = []
    for n in range(6):  # several, so that both workers answer some
        response = http_callback(web, base, payload, **{"X-Request-ID": f"test-{n}"})
        assert response.status_code == 200, response.text[:300]
        assert response.headers["X-Request-ID"] == f"test-{n}"
        text = json.dumps(response.json(), ensure_ascii=False)
        request_ids.append(response.headers["X-Request-ID"])
        assert "2 rækker afvist" in text and "/datakvalitet?koersel=1" in text
    # two workers booted; every log line is one JSON object; the callbacks' ids are logged
    logged = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    assert sum("Booting worker" in line["message"] for line in logged) == 2
    access = {line["request_id"] for line in logged if line["logger"] == "fristvagt.access"}
    assert set(request_ids) <= access
    assert not [line for line in logged if line["level"] == "ERROR"]
