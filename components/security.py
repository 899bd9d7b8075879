"""Web hardening (issue 11): security headers, a CSP Dash works with, bounded requests,
and malformed callback payloads answered with 400 instead of a server error.

- Headers on every response: Content-Security-Policy (scripts only from this site
  plus the hashes of Dash's own inline scripts; no framing), X-Frame-Options DENY,
  X-Content-Type-Options nosniff, Referrer-Policy same-origin, and HSTS when
  SECURE_COOKIES says the site is served over TLS.
- Everything but the static code and styles is `Cache-Control: no-store`.
- A request body is at most MAX_BODY_BYTES (413 beyond).
- A POST to Dash's callback route must be a JSON object with `output`, `outputs`
  and `inputs`; a callback that fails on what the browser sent is answered with
  400 and logged with its output id and the exception (never the payload: it may
  hold personal data).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import dash
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

import settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
CALLBACK_PATH = "/_dash-update-component"
MAX_LOGGED = 120  # characters of a logged id
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/")  # code and styles: cacheable


def safe_repr(value: object) -> str:
    """A value for a log line: repr (newlines escaped), cut to MAX_LOGGED characters."""
    text = repr(value)
    return text if len(text) <= MAX_LOGGED else text[: MAX_LOGGED - 1] + "…"


def content_security_policy(script_hashes: Sequence[str]) -> str:
    """The CSP: Dash's renderer and the vendored assets only; inline styles are allowed
    (Dash and Plotly set element styles), inline scripts only by hash."""
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_security(server: Flask, app: dash.Dash) -> None:
    """Register the headers, the body limit and the callback checks on the server."""
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    if settings.TRUST_PROXY.get():
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    policy: list[str] = []

    def _policy() -> str:
        if not policy:  # Dash's inline scripts are known once its setup is done
            policy.append(content_security_policy(app.csp_hashes()))
        return policy[0]

    @server.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", _policy())
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith(STATIC_PREFIXES):
            # pages, callbacks, exports hold personal data (and the login form a token):
            # never kept by the browser or a proxy
            response.headers.setdefault("Cache-Control", "no-store")
        if settings.SECURE_COOKIES.get():
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response

    @server.before_request
    def _callback_shape() -> Response | None:
        if request.path != CALLBACK_PATH or request.method != "POST":
            return None
        body = request.get_json(silent=True)
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("output"), str)
            or not isinstance(body.get("inputs"), list)
            or "outputs" not in body
            or not all(isinstance(i, dict) for i in body["inputs"])
            or not all(isinstance(s, dict) for s in body.get("state") or [])
        ):
            return _bad_request("malformed callback request")
        return None

    @server.errorhandler(Exception)
    def _failed(exc: Exception) -> Response:
        if isinstance(exc, HTTPException):
            response = exc.get_response()
            return response  # type: ignore[return-value]
        if request.path == CALLBACK_PATH:
            body = request.get_json(silent=True)
            output = body.get("output") if isinstance(body, dict) else None
            log.error(
                "callback %s failed on its input: %s",
                safe_repr(output),
                type(exc).__name__,
                exc_info=exc,
            )
            return _bad_request("the callback could not use what was sent")
        log.error("request to %s failed", safe_repr(request.path), exc_info=exc)
        response = jsonify({"error": "internal error"})
        response.status_code = 500
        return response


def _bad_request(message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = 400
    return response
