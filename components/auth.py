"""Login, sessions, CSRF and the audit of what a user sees (issue 11), on the Flask server.

Every request passes `_guard`: only the login page, the health checks and the static
assets are open. Anything else needs a session of an active user: a page gets a
redirect to /login, everything else (Dash's callbacks, layout and dependencies,
downloads, exports) a 401 and no data. The user is read from the store on each
request, so disabling a user ends their session; the role and what it may see are
decided here from that row only (`access.principal.scope_for`), never from what the
browser sends.

Sessions are Flask's signed cookies (HttpOnly, SameSite=Lax, Secure behind TLS), so
any web worker or machine with the same SECRET_KEY serves them; a session idle for
SESSION_IDLE_MINUTES ends. CSRF: the login form carries the session's token as a
hidden field; Dash's renderer sends the `_csrf_token` cookie back as the
`X-CSRFToken` header on every callback POST, and it must equal the session's token.
"""

from __future__ import annotations

import datetime as dt
import hmac
import html
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, Response, g, has_request_context, jsonify, redirect, request, session

import settings
from access import audit as access_audit
from access import users
from access.principal import Principal, scope_for
from components import urls
from store.db import database_url, get_engine
from store.scope import Scope
from vocab import AuditAction, Role

log = logging.getLogger(__name__)

LOGIN = "/login"
LOGOUT = "/logout"
OIDC_LOGIN = "/login/oidc"
OIDC_CALLBACK = "/login/oidc/callback"
OPEN_PATHS = frozenset({LOGIN, OIDC_LOGIN, OIDC_CALLBACK, "/healthz", "/readyz", "/favicon.ico"})
# the vendored stylesheet of the login page, and the libraries' JavaScript: code, no data
OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/")
CSRF_COOKIE = "_csrf_token"  # the cookie Dash's renderer reads
CSRF_HEADER = "X-CSRFToken"  # the header it sends on callback POSTs
CSRF_FIELD = "csrf_token"
SESSION_USER = "user"
SESSION_SEEN = "seen"
SESSION_CSRF = "csrf"
SESSION_LOGIN = "login"  # when the session began (a logout ends sessions begun before it)
WORK_LIST_DAYS = 14


# ------------------------------------------------------------------------ set-up
def secret_key() -> str:
    """SECRET_KEY, else the key in SECRET_KEY_FILE (generated there the first time)."""
    given = settings.SECRET_KEY.get()
    if given:
        return given
    path: Path = settings.SECRET_KEY_FILE.get()
    if not path.exists():
        # written whole under another name, then linked into place: workers starting
        # together all end up reading the one key that won
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def init_auth(server: Flask) -> None:
    """Sessions, the guard, the CSRF cookie, and the login/logout routes."""
    server.secret_key = secret_key()
    server.config.update(
        SESSION_COOKIE_NAME="fristvagt_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.SECURE_COOKIES.get(),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES.get()),
    )
    server.before_request(_guard)
    server.after_request(_csrf_cookie)
    server.add_url_rule(LOGIN, "login", login_view, methods=["GET", "POST"])
    server.add_url_rule(LOGOUT, "logout", logout_view, methods=["GET", "POST"])
    if settings.AUTH_MODE.get() == "oidc":
        from components import oidc_login

        oidc_login.init_oidc(server)


def _engine() -> Any:
    return get_engine(database_url())


# ------------------------------------------------------------------ who is this
def current_principal() -> Principal | None:
    """The logged-in user of this request (None outside a request or logged out)."""
    if not has_request_context():
        return None
    return g.get("principal")


def current_scope() -> Scope:
    """What this request's user may see: nothing without a login."""
    return scope_for(current_principal())


def client_address() -> str:
    """The client's address (the reverse proxy's X-Forwarded-For is trusted only when
    gunicorn is told to: `forwarded_allow_ips`; here the socket's peer)."""
    return (request.remote_addr or "?")[:64] if has_request_context() else "-"


def audit(action: AuditAction | str, **fields: Any) -> None:
    """Append an audit event for this request's user. An event that cannot be written
    fails the request: no look at personal data goes unrecorded."""
    who = current_principal()
    try:
        access_audit.record(
            _engine(),
            user=who.username if who else None,
            role=str(who.role) if who else None,
            action=str(action),
            address=client_address(),
            **fields,
        )
    except Exception:
        log.exception("audit event %s could not be written", action)
        raise


def _csrf_token() -> str:
    token = session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF] = token
    return str(token)


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


# -------------------------------------------------------------------- the guard
def _is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def _wants_page(path: str) -> bool:
    """A browser asking for a page (gets a redirect), not for data (gets a 401)."""
    if request.method != "GET" or path.startswith(("/_dash", "/_reload", "/eksport")):
        return False
    return "text/html" in (request.headers.get("Accept") or "")


def _load_principal() -> Principal | None:
    name = session.get(SESSION_USER)
    if not name:
        return None
    now = dt.datetime.now().timestamp()
    idle = settings.SESSION_IDLE_MINUTES.get() * 60
    if now - float(session.get(SESSION_SEEN, 0)) > idle:
        session.clear()
        return None
    logged_in = dt.datetime.fromtimestamp(float(session.get(SESSION_LOGIN, 0)))
    who = users.principal(_engine(), str(name), logged_in)
    if who is None:  # disabled, removed or logged out: the session ends
        session.clear()
        return None
    session[SESSION_SEEN] = now
    return who


def landing(who: Principal) -> str | None:
    """A role's own first page, where '/' should take them (None: Overblik as it is)."""
    if who.role == Role.CASEWORKER and who.caseworker_id:
        return urls.work_list_href(who.caseworker_id)
    if who.role in (Role.CENTER_CHIEF, Role.TEAM_LEAD) and who.center:
        return urls.page_href(urls.OVERVIEW, who.center)
    return None


def _guard() -> Response | None:
    path = request.path
    g.principal = None
    if _is_open(path):
        if path == LOGIN:
            g.principal = _load_principal()
        return None
    who = _load_principal()
    if who is None:
        if _wants_page(path):
            target = request.full_path if request.query_string else path
            return redirect(f"{LOGIN}?next={quote(target, safe='/?=&')}")
        return _json_error(401, "login required")
    g.principal = who
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if unsafe and not _same(request.headers.get(CSRF_HEADER), session.get(SESSION_CSRF)):
        log.warning("refused a %s to %s without a valid CSRF token", request.method, path)
        return _json_error(403, "CSRF token missing or wrong")
    if path == "/" and not request.query_string and request.method == "GET":
        home = landing(who)
        if home:
            return redirect(home)
    return None


def _json_error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _csrf_cookie(response: Response) -> Response:
    """Give the browser the session's CSRF token for Dash to send back (not HttpOnly:
    the renderer reads it; SameSite keeps other sites from sending it)."""
    if g.get("principal") is not None:
        response.set_cookie(
            CSRF_COOKIE,
            _csrf_token(),
            httponly=False,
            samesite="Lax",
            secure=settings.SECURE_COOKIES.get(),
        )
    return response


# ------------------------------------------------------------------ login page
def _safe_next(target: str | None) -> str | None:
    """Only a path of this site (no scheme, no host, no '//')."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith(LOGIN):
        return None
    return target


def login_page(message: str | None = None, username: str = "", next_path: str = "") -> str:
    """The login form: plain HTML (no script), Danish, with the CSRF token."""
    token = _csrf_token()
    alert = (
        f'<div class="alert alert-danger" role="alert">{html.escape(message)}</div>'
        if message
        else ""
    )
    oidc = ""
    if settings.AUTH_MODE.get() == "oidc":
        oidc = f'<a class="btn btn-dark w-100 mb-3" href="{OIDC_LOGIN}">Log ind med organisationens konto</a>'
    form = ""
    if settings.AUTH_MODE.get() == "local":
        form = f"""
      <form method="post" action="{LOGIN}" novalidate>
        <input type="hidden" name="{CSRF_FIELD}" value="{html.escape(token)}">
        <input type="hidden" name="next" value="{html.escape(next_path)}">
        <div class="mb-3">
          <label class="form-label" for="username">Brugernavn</label>
          <input class="form-control" id="username" name="username" autocomplete="username"
                 value="{html.escape(username)}" required autofocus>
        </div>
        <div class="mb-3">
          <label class="form-label" for="password">Adgangskode</label>
          <input class="form-control" id="password" name="password" type="password"
                 autocomplete="current-password" required>
        </div>
        <button class="btn btn-primary w-100" type="submit">Log ind</button>
      </form>"""
    return f"""<!DOCTYPE html>
<html lang="da">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Fristvagt – Log ind</title>
  <link rel="stylesheet" href="/assets/00-bootstrap-5.3.8.min.css">
  <link rel="stylesheet" href="/assets/10-fristvagt.css">
</head>
<body class="bg-light">
  <main class="container" style="max-width: 26rem; padding-top: 12vh">
    <h1 class="h3 mb-1">Fristvagt</h1>
    <p class="text-muted mb-4">Frister i sagerne – log ind for at se dem.</p>
    {alert}{oidc}{form}
    <p class="small text-muted mt-4">Siden viser personoplysninger. Det logges, hvilke sager
    du ser, og hvornår.</p>
  </main>
</body>
</html>"""


def _page(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/html")


def login_view() -> Response:
    if request.method == "GET":
        who = g.get("principal")
        if who is not None:
            return redirect(_safe_next(request.args.get("next")) or landing(who) or "/")
        return _page(login_page(next_path=request.args.get("next", "")))
    form: Mapping[str, str] = request.form
    username = (form.get("username") or "").strip()[:100]
    next_path = form.get("next") or ""
    if not _same(form.get(CSRF_FIELD), session.get(SESSION_CSRF)):
        return _page(login_page("Formularen var udløbet. Prøv igen.", username, next_path), 400)
    if settings.AUTH_MODE.get() != "local":
        return _page(login_page("Log ind med organisationens konto."), 400)
    result = users.log_in(_engine(), username, form.get("password") or "", client_address())
    if result.blocked:
        return _page(
            login_page(
                "For mange forkerte forsøg. Vent et kvarter, eller kontakt en administrator.",
                username,
                next_path,
            ),
            429,
        )
    if result.principal is None:
        return _page(login_page("Forkert brugernavn eller adgangskode.", username, next_path), 401)
    return start_session(result.principal, next_path)


def start_session(who: Principal, next_path: str | None = None) -> Response:
    """A fresh session for `who` (a new id and CSRF token: no fixation), then their page."""
    session.clear()
    session.permanent = True
    session[SESSION_USER] = who.username
    session[SESSION_LOGIN] = session[SESSION_SEEN] = dt.datetime.now().timestamp()
    session[SESSION_CSRF] = secrets.token_urlsafe(32)
    g.principal = who
    return redirect(_safe_next(next_path) or landing(who) or "/")


def logout_view() -> Response:
    who = g.get("principal")
    if who is not None:
        audit(AuditAction.LOGOUT)
        # server-side: a late answer that sets the old cookie again cannot revive it
        users.end_sessions(_engine(), who.username)
    session.clear()
    g.principal = None
    response = redirect(LOGIN)
    response.delete_cookie(CSRF_COOKIE)
    return response
