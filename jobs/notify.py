"""The operators' e-mail when a nightly run is refused or fails (issue 12).

Sent through the SMTP server of the settings (SMTP_*) to OPERATOR_EMAILS; with no
operators configured nothing is sent (the log and Datakvalitet still say it). The
text holds the run's outcome in Danish and English, CPR-masked, and never a CPR
number in the subject.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

import cpr
import settings

log = logging.getLogger(__name__)


def run_failed_message(
    run_id: int | None, status: str, reason: str, shown: str | None, path: str
) -> EmailMessage:
    """The e-mail about one run that loaded nothing."""
    what = {"refused": "afvist", "failed": "fejlede", "missing": "fandt intet udtræk"}.get(
        status, status
    )
    msg = EmailMessage()
    msg["Subject"] = f"Fristvagt: natlig indlæsning {what}" + (
        f" (kørsel {run_id})" if run_id else ""
    )
    msg["From"] = settings.MAIL_FROM.get()
    msg["To"] = ", ".join(settings.OPERATOR_EMAILS.get())
    body = [
        f"Den natlige indlæsning {what}.",
        "",
        f"Udtræk: {path}",
        f"Årsag: {reason}",
        "",
        f"Siderne viser fortsat {shown}." if shown else "Der er ingen tidligere indlæsning.",
        "Se Datakvalitet i Fristvagt eller `python -m etl status` for detaljer.",
    ]
    msg.set_content(cpr.mask_text("\n".join(body)))
    return msg


def send(msg: EmailMessage) -> bool:
    """Send to the operators; False (logged) when none are set or the server fails."""
    if not settings.OPERATOR_EMAILS.get():
        log.warning("no OPERATOR_EMAILS: the operator e-mail %r is not sent", msg["Subject"])
        return False
    try:
        with smtplib.SMTP(settings.SMTP_HOST.get(), settings.SMTP_PORT.get(), timeout=30) as smtp:
            if settings.SMTP_STARTTLS.get():
                smtp.starttls()
            if settings.SMTP_USER.get():
                smtp.login(settings.SMTP_USER.get(), settings.SMTP_PASSWORD.get())
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("the operator e-mail could not be sent: %s", exc)
        return False
    log.info("operator e-mail sent: %s", msg["Subject"])
    return True
