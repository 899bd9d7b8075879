"""OpenID Connect login (AUTH_MODE=oidc) with Authlib: Microsoft Entra ID or AD FS.

`/login/oidc` sends the browser to the tenant (its metadata from
OIDC_METADATA_URL, e.g. https://login.microsoftonline.com/<tenant>/v2.0/.well-known/
openid-configuration); `/login/oidc/callback` takes the code back, lets Authlib
verify the ID token (signature, issuer, audience, nonce), and turns its claims into a
Fristvagt user (`access.oidc`: role from the app-role claim, caseworker id, center
and team from their claims). Then the session starts as for a local login.
"""

from __future__ import annotations

import logging

from authlib.integrations.flask_client import OAuth
from flask import Flask, Response, url_for

import settings
from access import oidc
from components import auth

log = logging.getLogger(__name__)

_oauth = OAuth()


def init_oidc(server: Flask) -> None:
    if not (settings.OIDC_METADATA_URL.get() and settings.OIDC_CLIENT_ID.get()):
        raise RuntimeError("AUTH_MODE=oidc needs OIDC_METADATA_URL and OIDC_CLIENT_ID")
    _oauth.init_app(server)
    _oauth.register(
        "tenant",
        client_id=settings.OIDC_CLIENT_ID.get(),
        client_secret=settings.OIDC_CLIENT_SECRET.get() or None,
        server_metadata_url=settings.OIDC_METADATA_URL.get(),
        client_kwargs={"scope": "openid profile email"},
    )
    server.add_url_rule(auth.OIDC_LOGIN, "oidc_login", start)
    server.add_url_rule(auth.OIDC_CALLBACK, "oidc_callback", callback)


def start() -> Response:
    """Off to the tenant's login page."""
    return _oauth.tenant.authorize_redirect(url_for("oidc_callback", _external=True))


def callback() -> Response:
    """Back from the tenant: verify the token, find the user, start the session."""
    try:
        token = _oauth.tenant.authorize_access_token()
        claims = token.get("userinfo") or _oauth.tenant.parse_id_token(token, nonce=None)
        who = oidc.sign_in(auth._engine(), claims, auth.client_address())
    except oidc.ClaimsError as exc:
        log.warning("OpenID login refused: %s", exc)
        return Response(
            auth.login_page(f"Du kan ikke logge ind i Fristvagt: {exc}."),
            status=403,
            mimetype="text/html",
        )
    except Exception:
        log.exception("OpenID login failed")
        return Response(
            auth.login_page("Login hos organisationen mislykkedes. Prøv igen."),
            status=401,
            mimetype="text/html",
        )
    return auth.start_session(who)
