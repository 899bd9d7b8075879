"""Fristvagt settings: declared once, with name, default and help.

Values come from the environment, or from a `.env` file in the working
directory (the environment wins). `python -m settings` prints them all, and
the README's settings table is generated from the same declarations.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    def get(self) -> str:
        load_dotenv(ROOT / ".env", override=False)
        return os.environ.get(self.name, self.default)


DATABASE_URL = Setting(
    "DATABASE_URL",
    f"sqlite:///{ROOT / 'data' / 'fristvagt.sqlite'}",
    "SQLAlchemy URL of the store. SQLite file by default; PostgreSQL in production, "
    "e.g. postgresql+psycopg://user@host/db.",
)
SQLITE_BUSY_TIMEOUT_MS = Setting(
    "SQLITE_BUSY_TIMEOUT_MS",
    "30000",
    "How long a SQLite reader or writer waits for a lock before failing (ms).",
)
DEMO_DIR = Setting(
    "DEMO_DIR", str(ROOT / "data" / "demo-extract"), "Where `make run` writes the demo extract."
)
DEMO_SCALE = Setting("DEMO_SCALE", "kbh", "Scale of the demo extract: kbh or national.")
DEMO_AS_OF = Setting(
    "DEMO_AS_OF", "", "Extract date of the demo extract (YYYY-MM-DD); empty means yesterday."
)
RULES_FILE = Setting(
    "RULES_FILE",
    str(ROOT / "monitoring" / "rules.yaml"),
    "Deadline rule file (law rules, intervals, processing deadlines, targets).",
)
OPTIONAL_HOLIDAYS = Setting(
    "OPTIONAL_HOLIDAYS",
    "12-24,12-31,06-05",
    "Extra days off (MM-DD, comma separated) treated as holidays for working-day "
    "deadlines: Christmas Eve, New Year's Eve, Constitution Day. Empty for none.",
)
HOST = Setting("HOST", "127.0.0.1", "Interface the web app listens on.")
PORT = Setting("PORT", "8050", "Port the web app listens on.")
STALE_HOURS = Setting(
    "STALE_HOURS", "36", "Show a warning banner when the newest good load is older than this."
)
LOG_LEVEL = Setting("LOG_LEVEL", "INFO", "Python log level.")

ALL: tuple[Setting, ...] = tuple(v for v in list(globals().values()) if isinstance(v, Setting))


def markdown_table() -> str:
    """The settings as a Markdown table (used for the README)."""
    rows = ["| name | default | help |", "|---|---|---|"]
    for s in ALL:
        default = s.default.replace(str(ROOT), ".")
        rows.append(f"| `{s.name}` | `{default}` | {s.help} |")
    return "\n".join(rows)


if __name__ == "__main__":
    for s in ALL:
        print(f"{s.name}={s.get()}")
