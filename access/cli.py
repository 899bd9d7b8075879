"""Command line: `python -m access users|audit|demo-users` (the store of DATABASE_URL).

python -m access users add NAME --role ROLE [--center C] [--team T] [--caseworker ID]
                                           (the password is read from standard input)
python -m access users list [--json]
python -m access users disable NAME
python -m access users password NAME       (a new password from standard input)
python -m access audit [--since YYYY-MM-DD] [--user U] [--action A] [--json]
python -m access demo-users [--reset]      (one user per role; prints the password once)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from sqlalchemy import Engine

from access import audit, users
from store.db import database_url, get_engine, init_db
from vocab import Role


def _engine(url: str | None) -> Engine:
    engine = get_engine(database_url(url))
    init_db(engine)
    return engine


def _password() -> str:
    text = sys.stdin.readline().rstrip("\n")
    if not text:
        raise users.UserError("no password on standard input")
    return text


def cmd_add(args: argparse.Namespace) -> int:
    who = users.add_user(
        _engine(args.database_url),
        args.name,
        args.role,
        _password(),
        center=args.center,
        team=args.team,
        caseworker_id=args.caseworker,
        by="cli",
    )
    print(f"added {who.username} ({who.label})")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    df = users.list_users(_engine(args.database_url))
    if args.json:
        rows = df.astype(object).where(df.notna(), None).to_dict("records")
        print(json.dumps(rows, default=str, ensure_ascii=False, indent=1))
        return 0
    for r in df.to_dict("records"):
        state = "disabled" if r["disabled"] else "active"
        about = " ".join(str(r[k]) for k in ("center", "team", "caseworker_id") if r[k])
        print(f"{r['username']:<24} {r['role']:<14} {state:<9} {r['source']:<6} {about}")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    users.disable_user(_engine(args.database_url), args.name, by="cli")
    print(f"disabled {args.name}")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    users.set_password(_engine(args.database_url), args.name, _password(), by="cli")
    print(f"new password set for {args.name}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    since = dt.datetime.combine(args.since, dt.time()) if args.since else None
    events = audit.search(
        _engine(args.database_url), since=since, user=args.user, action=args.action, limit=None
    )
    rows = audit.as_records(events)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        what = r["page"] or (json.dumps(r["detail"], ensure_ascii=False) if r["detail"] else "")
        count = f" {r['row_count']} rows" if r["row_count"] is not None else ""
        print(f"{r['at']}  {r['username'] or '-':<16} {r['action']:<12} {what}{count}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    made, password = users.demo_users(_engine(args.database_url), reset=args.reset)
    print("Demo users (one per role):")
    for who in made:
        print(f"  {who.username:<14} {who.label}")
    if password:
        print(f"Password for all of them (shown this once): {password}")
    else:
        print("They existed already and keep their password (--reset makes a new one).")
    return 0


def _date(s: str) -> dt.date:
    try:
        return dt.date.fromisoformat(s)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {s!r}") from exc


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m access", description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default=None, help="store URL (default: DATABASE_URL)")
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("users", help="add, list and disable users").add_subparsers(
        dest="users_cmd", required=True
    )
    a = u.add_parser("add", help="add a user (password on standard input)")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=[r.value for r in Role])
    a.add_argument("--center")
    a.add_argument("--team")
    a.add_argument("--caseworker", help="the medarbejder_id of the extract")
    a.set_defaults(func=cmd_add)
    ls = u.add_parser("list", help="list the users")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    d = u.add_parser("disable", help="disable a user (their session ends)")
    d.add_argument("name")
    d.set_defaults(func=cmd_disable)
    pw = u.add_parser("password", help="set a new password (standard input)")
    pw.add_argument("name")
    pw.set_defaults(func=cmd_password)
    au = sub.add_parser("audit", help="print the audit log")
    au.add_argument("--since", type=_date)
    au.add_argument("--user")
    au.add_argument("--action")
    au.add_argument("--json", action="store_true")
    au.set_defaults(func=cmd_audit)
    dm = sub.add_parser("demo-users", help="one demo user per role (prints the password once)")
    dm.add_argument("--reset", action="store_true", help="give them a new password")
    dm.set_defaults(func=cmd_demo)
    args = p.parse_args(argv)
    try:
        return int(args.func(args))
    except users.UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
