"""Fristvagt settings: declared once, with name, typed default, parser and help.

Values come from the environment, or from a `.env` file in the project folder
(the environment wins). The `.env` file is read once, on the first `get()`;
`FRISTVAGT_IGNORE_DOTENV=1` skips it (the test suite sets it, so that no
developer's `.env` changes a test). `python -m settings` prints the values in
force; `python -m settings --markdown` prints the README's settings table, and
a test checks that the README holds exactly that table.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent
DOTENV = ROOT / ".env"
IGNORE_DOTENV = "FRISTVAGT_IGNORE_DOTENV"

T = TypeVar("T")
_dotenv_read = False


class SettingError(ValueError):
    """A setting's value cannot be parsed (named in the message)."""


def _read_dotenv_once() -> None:
    global _dotenv_read
    if not _dotenv_read:
        _dotenv_read = True
        if os.environ.get(IGNORE_DOTENV) != "1":
            load_dotenv(DOTENV, override=False)


def _text(raw: str) -> str:
    return raw


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive whole number")
    return value


def _positive_float(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError("must be a positive number")
    return value


def _share(raw: str) -> float:
    value = float(raw)
    if not 0 <= value <= 1:
        raise ValueError("must be a share between 0 and 1, e.g. 0.5")
    return value


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return raw

    return parse


def _month_days(raw: str) -> tuple[tuple[int, int], ...]:
    """`MM-DD,MM-DD` -> ((month, day), ...); empty for none."""
    days: list[tuple[int, int]] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        month, _, day = part.partition("-")
        m, d = int(month), int(day)
        if not (1 <= m <= 12 and 1 <= d <= 31):
            raise ValueError(f"'{part}' is not MM-DD")
        days.append((m, d))
    return tuple(days)


def _workers(raw: str) -> int:
    """`auto` -> 2 web workers per CPU core, at most 8; else a positive whole number."""
    if raw.strip().lower() == "auto":
        return max(1, min(2 * (os.cpu_count() or 1), 8))
    return _positive_int(raw)


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One setting: its environment name, the default (as written in the
    environment), how to parse it, and a help text for the README."""

    name: str
    default: str
    help: str
    parse: Callable[[str], T]

    def raw(self) -> str:
        """The text in force: the environment (or `.env`), else the default."""
        _read_dotenv_once()
        return os.environ.get(self.name, self.default)

    def get(self) -> T:
        """The parsed value in force."""
        raw = self.raw()
        try:
            return self.parse(raw)
        except ValueError as exc:
            raise SettingError(f"setting {self.name}={raw!r}: {exc}") from None


DATABASE_URL: Setting[str] = Setting(
    "DATABASE_URL",
    f"sqlite:///{ROOT / 'data' / 'fristvagt.sqlite'}",
    "SQLAlchemy URL of the store. SQLite file by default; PostgreSQL in production, "
    "e.g. postgresql+psycopg://user@host/db.",
    _text,
)
SQLITE_BUSY_TIMEOUT_MS: Setting[int] = Setting(
    "SQLITE_BUSY_TIMEOUT_MS",
    "30000",
    "How long a SQLite reader or writer waits for a lock before failing (ms).",
    _positive_int,
)
DEMO_DIR: Setting[Path] = Setting(
    "DEMO_DIR",
    str(ROOT / "data" / "demo-extract"),
    "Where `make run` writes the demo extract.",
    _path,
)
DEMO_SCALE: Setting[str] = Setting(
    "DEMO_SCALE",
    "kbh",
    "Scale of the demo extract: tiny, kbh or national.",
    _choice("tiny", "kbh", "national"),
)
DEMO_AS_OF: Setting[str] = Setting(
    "DEMO_AS_OF",
    "",
    "Extract date of the demo extract (YYYY-MM-DD); empty means yesterday.",
    _text,
)
RULES_FILE: Setting[Path] = Setting(
    "RULES_FILE",
    str(ROOT / "monitoring" / "rules.yaml"),
    "Deadline rule file (law rules, intervals, processing deadlines, targets).",
    _path,
)
OPTIONAL_HOLIDAYS: Setting[tuple[tuple[int, int], ...]] = Setting(
    "OPTIONAL_HOLIDAYS",
    "12-24,12-31,06-05",
    "Extra days off (MM-DD, comma separated) treated as holidays for working-day "
    "deadlines: Christmas Eve, New Year's Eve, Constitution Day. Empty for none.",
    _month_days,
)
HOST: Setting[str] = Setting("HOST", "127.0.0.1", "Interface the web app listens on.", _text)
PORT: Setting[int] = Setting("PORT", "8050", "Port the web app listens on.", _positive_int)
WEB_WORKERS: Setting[int] = Setting(
    "WEB_WORKERS",
    "auto",
    "Gunicorn worker processes (`gunicorn -c gunicorn.conf.py app:server`); `auto` is 2 per "
    "CPU core, at most 8.",
    _workers,
)
WEB_THREADS: Setting[int] = Setting(
    "WEB_THREADS",
    "4",
    "Threads per gunicorn worker (requests one worker serves at once while others wait on "
    "the database).",
    _positive_int,
)
WEB_TIMEOUT: Setting[int] = Setting(
    "WEB_TIMEOUT",
    "120",
    "Seconds a gunicorn worker may go silent before it is restarted; long enough for the "
    "largest export.",
    _positive_int,
)
REDIS_URL: Setting[str] = Setting(
    "REDIS_URL",
    "",
    "Redis for the web tier's shared cache (e.g. redis://127.0.0.1:6379/0), so every worker "
    "and web machine computes a load's KPI cards, trends and filter options once; empty "
    "means an in-process cache per worker.",
    _text,
)
STALE_HOURS: Setting[float] = Setting(
    "STALE_HOURS",
    "36",
    "Show a warning banner when the newest good load is older than this.",
    _positive_float,
)
EXTRACT_MAX_BYTES: Setting[int] = Setting(
    "EXTRACT_MAX_BYTES",
    "2000000000",
    "Largest unpacked size of an extract (bytes, all files together); a larger one is "
    "refused before it is read.",
    _positive_int,
)
EXTRACT_MAX_RATIO: Setting[float] = Setting(
    "EXTRACT_MAX_RATIO",
    "100",
    "Largest unpacked size per packed byte of a zip entry (entries under 1 MB unpacked are "
    "not checked); a zip bomb is refused before it is unpacked.",
    _positive_float,
)
LOAD_MIN_ROWS_SHARE: Setting[float] = Setting(
    "LOAD_MIN_ROWS_SHARE",
    "0.5",
    "A required file with fewer rows than this share of its rows in the last good load "
    "is refused as cut short (`file-shrunk`); `etl load --accept-shrink` loads it anyway. "
    "0 turns the check off.",
    _share,
)
LOAD_MAX_REJECTED_SHARE: Setting[float] = Setting(
    "LOAD_MAX_REJECTED_SHARE",
    "0.5",
    "A load that would reject more than this share of a file's rows is refused "
    "(`too-many-rejected`); `etl load --accept-shrink` loads it anyway. 1 turns the check off.",
    _share,
)
LOAD_CHECK_MIN_ROWS: Setting[int] = Setting(
    "LOAD_CHECK_MIN_ROWS",
    "20",
    "The two shares above are checked only for files of at least this many rows (in the "
    "last good load, or in the extract): a few rows more or less in a small file mean little.",
    _positive_int,
)
RETENTION_RUNS: Setting[int] = Setting(
    "RETENTION_RUNS",
    "30",
    "Problems and rejected rows (which hold full CPR numbers) are kept for this many newest "
    "runs, and always for the current load; older ones are purged after each load and by "
    "`etl prune`.",
    _positive_int,
)


# ------------------------------------------------------------- nightly run (issue 12)
def _clock(raw: str) -> tuple[int, int]:
    """HH:MM, outside 02:00-02:59 (the hour daylight saving skips or repeats)."""
    hour, sep, minute = raw.strip().partition(":")
    if not sep or not hour.isdigit() or not minute.isdigit():
        raise ValueError("must be HH:MM")
    h, m = int(hour), int(minute)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError("must be a time of day HH:MM")
    if h == 2:
        raise ValueError(
            "02:00-02:59 is skipped or repeated when daylight saving changes; choose another hour"
        )
    return h, m


def _emails(raw: str) -> tuple[str, ...]:
    out = tuple(a.strip() for a in raw.split(",") if a.strip())
    for address in out:
        if "@" not in address:
            raise ValueError(f"{address!r} is not an e-mail address")
    return out


SCHEDULE_TIME: Setting[tuple[int, int]] = Setting(
    "SCHEDULE_TIME",
    "04:30",
    "When `python -m etl scheduler` loads the night's extract (HH:MM, Europe/Copenhagen; "
    "not 02:00-02:59, which daylight saving skips or repeats).",
    _clock,
)
DROP_DIR: Setting[Path] = Setting(
    "DROP_DIR",
    str(ROOT / "data" / "drop"),
    "The folder the case system drops its extracts in (folders or .zip files); the "
    "scheduler loads the newest.",
    _path,
)
OPERATOR_EMAILS: Setting[tuple[str, ...]] = Setting(
    "OPERATOR_EMAILS",
    "",
    "Who gets an e-mail when a nightly run is refused or fails (comma separated); empty: "
    "no e-mail, the log and Datakvalitet only.",
    _emails,
)
MAIL_FROM: Setting[str] = Setting(
    "MAIL_FROM", "fristvagt@localhost", "Sender address of the operator e-mails.", _text
)
SMTP_HOST: Setting[str] = Setting(
    "SMTP_HOST", "localhost", "SMTP server for operator e-mails.", _text
)
SMTP_PORT: Setting[int] = Setting("SMTP_PORT", "25", "SMTP server port.", _positive_int)
SMTP_USER: Setting[str] = Setting("SMTP_USER", "", "SMTP login (empty: none).", _text)
SMTP_PASSWORD: Setting[str] = Setting("SMTP_PASSWORD", "", "SMTP password.", _text)


# ------------------------------------------------------------------ access (issue 11)
def _bool(raw: str) -> bool:
    low = raw.strip().lower()
    if low in ("1", "true", "yes", "ja", "on"):
        return True
    if low in ("0", "false", "no", "nej", "off", ""):
        return False
    raise ValueError("must be true or false")


def _role_map(raw: str) -> tuple[tuple[str, str], ...]:
    """`claim=role` pairs, comma separated."""
    pairs: list[tuple[str, str]] = []
    for part in raw.split(","):
        if not part.strip():
            continue
        claim, sep, role = part.partition("=")
        if not sep or not claim.strip() or not role.strip():
            raise ValueError(f"{part!r} is not claim=role")
        pairs.append((claim.strip(), role.strip()))
    return tuple(pairs)


AUTH_MODE: Setting[str] = Setting(
    "AUTH_MODE",
    "local",
    "How users log in: `local` (users and argon2 password hashes in the store, "
    "`python -m access users`) or `oidc` (OpenID Connect, e.g. Microsoft Entra ID / AD FS).",
    _choice("local", "oidc"),
)
SECRET_KEY: Setting[str] = Setting(
    "SECRET_KEY",
    "",
    "Key that signs the session cookies; the same on every web worker and machine. Empty: "
    "read from (or, the first time, generated into) SECRET_KEY_FILE.",
    _text,
)
SECRET_KEY_FILE: Setting[Path] = Setting(
    "SECRET_KEY_FILE",
    str(ROOT / "data" / "secret-key"),
    "Where the generated session key is kept when SECRET_KEY is empty (mode 0600).",
    _path,
)
SESSION_IDLE_MINUTES: Setting[int] = Setting(
    "SESSION_IDLE_MINUTES",
    "30",
    "A session with no request for this many minutes is logged out.",
    _positive_int,
)
SECURE_COOKIES: Setting[bool] = Setting(
    "SECURE_COOKIES",
    "false",
    "Mark cookies Secure and send HSTS: set true when the app is served over TLS (behind "
    "the reverse proxy of docs/deployment.md).",
    _bool,
)
TRUST_PROXY: Setting[bool] = Setting(
    "TRUST_PROXY",
    "false",
    "Behind one reverse proxy (docs/deployment.md): take the client's address and scheme "
    "from its X-Forwarded-For / X-Forwarded-Proto (the audit log and the login limit).",
    _bool,
)
LOGIN_MAX_FAILURES: Setting[int] = Setting(
    "LOGIN_MAX_FAILURES",
    "5",
    "Failed logins per user name, and per address, within LOGIN_WINDOW_MINUTES before "
    "further attempts get HTTP 429.",
    _positive_int,
)
LOGIN_WINDOW_MINUTES: Setting[int] = Setting(
    "LOGIN_WINDOW_MINUTES",
    "15",
    "The window of the failed-login limit.",
    _positive_int,
)
OIDC_METADATA_URL: Setting[str] = Setting(
    "OIDC_METADATA_URL",
    "",
    "OpenID Connect discovery document of the tenant, e.g. "
    "https://login.microsoftonline.com/<tenant-id>/v2.0/.well-known/openid-configuration.",
    _text,
)
OIDC_CLIENT_ID: Setting[str] = Setting(
    "OIDC_CLIENT_ID", "", "The app registration's client id (AUTH_MODE=oidc).", _text
)
OIDC_CLIENT_SECRET: Setting[str] = Setting(
    "OIDC_CLIENT_SECRET", "", "The app registration's client secret (AUTH_MODE=oidc).", _text
)
OIDC_ROLE_CLAIM: Setting[str] = Setting(
    "OIDC_ROLE_CLAIM", "roles", "The ID-token claim holding the user's app roles.", _text
)
OIDC_ROLE_MAP: Setting[tuple[tuple[str, str], ...]] = Setting(
    "OIDC_ROLE_MAP",
    "Fristvagt.Admin=admin,Fristvagt.Direktion=direktion,Fristvagt.Centerchef=centerchef,"
    "Fristvagt.Teamleder=teamleder,Fristvagt.Sagsbehandler=sagsbehandler",
    "App-role claim values and the Fristvagt role each gives (claim=role, comma separated); "
    "the highest role wins.",
    _role_map,
)
OIDC_CASEWORKER_CLAIM: Setting[str] = Setting(
    "OIDC_CASEWORKER_CLAIM",
    "employeeid",
    "The claim holding the caseworker id (medarbejder_id of the extract).",
    _text,
)
OIDC_CENTER_CLAIM: Setting[str] = Setting(
    "OIDC_CENTER_CLAIM", "center", "The claim holding the user's center code.", _text
)
OIDC_TEAM_CLAIM: Setting[str] = Setting(
    "OIDC_TEAM_CLAIM", "team", "The claim holding the user's team.", _text
)
SMTP_STARTTLS: Setting[bool] = Setting(
    "SMTP_STARTTLS", "false", "Use STARTTLS with the SMTP server.", _bool
)
CASE_SYSTEM_URL: Setting[str] = Setting(
    "CASE_SYSTEM_URL",
    "",
    "Link to a case in the case system, `{sag_id}` standing for the case id "
    "(e.g. `https://sag.example.dk/sager/{sag_id}`); empty: the case page shows no link.",
    _text,
)
LOG_LEVEL: Setting[str] = Setting(
    "LOG_LEVEL",
    "INFO",
    "Python log level.",
    _choice("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
)

ALL: tuple[Setting[object], ...] = tuple(
    v for v in list(globals().values()) if isinstance(v, Setting)
)


def markdown_table() -> str:
    """The settings as a Markdown table (the README holds exactly this)."""
    rows = ["| name | default | help |", "|---|---|---|"]
    for s in ALL:
        default = s.default.replace(str(ROOT), ".")
        rows.append(f"| `{s.name}` | `{default}` | {s.help} |")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    if argv[1:] == ["--markdown"]:
        print(markdown_table())
        return 0
    for s in ALL:
        print(f"{s.name}={s.raw()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
