"""Delivery channels: the worker's handlers for `email` and `webhook` jobs.

A plugin like any other (registered by `officina.automation.plugins`).

E-mail goes out by SMTP, or — the default, so a site works offline — is
written as a `.eml` file into the site's `mail/` folder, which the UI shows
at /admin/mail. Each message's Message-ID is made from the job's
idempotency key, so a receiver can tell a repeated delivery.

Webhooks are POSTed as JSON with an `Idempotency-Key` header and an
`X-Officina-Signature: sha256=<HMAC-SHA256 of the body>` made with the
site's webhook secret.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import json
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path

from officina.automation.hookspecs import hookimpl
from officina.automation.outbox import RetryLater

MAIL_FOLDER = "mail"
DEFAULT_SENDER = "officina@localhost"
SMTP_TIMEOUT = 30
WEBHOOK_TIMEOUT = 10
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


class DeliveryFailed(Exception):
    """A permanent failure: trying again would fail the same way."""


@hookimpl
def officina_job_handlers():
    return {"email": deliver_email, "webhook": deliver_webhook}


# -- e-mail ---------------------------------------------------------------


def mail_folder(site) -> Path:
    return Path(site.path) / MAIL_FOLDER


def _addresses(value, what: str) -> list[tuple[str, str]]:
    """(as written in the header, the bare address) of each recipient."""
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, str) else list(value)
    found = []
    for name, address in getaddresses([str(item) for item in items if item]):
        if not _ADDRESS.match(address or ""):
            raise DeliveryFailed(
                f"'{name or address}' in {what} is not an e-mail address"
            )
        found.append((f"{name} <{address}>" if name else address, address))
    return found


def _header(addresses) -> str:
    return ", ".join(written for written, _ in addresses)


def _text_of(markup: str) -> str:
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", markup)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</h\d>", "\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def build_message(payload: dict, key: str, settings) -> EmailMessage:
    """The e-mail of a job: text and HTML alternatives, Message-ID from the
    job's idempotency key."""
    to = _addresses(payload.get("to"), "to")
    cc = _addresses(payload.get("cc"), "cc")
    bcc = _addresses(payload.get("bcc"), "bcc")
    if not (to or cc or bcc):
        raise DeliveryFailed("the e-mail has no recipient")
    message = EmailMessage()
    message["Subject"] = str(payload.get("subject") or "")
    message["From"] = str(settings.get("from") or DEFAULT_SENDER)
    if to:
        message["To"] = _header(to)
    if cc:
        message["Cc"] = _header(cc)
    reply_to = _addresses(payload.get("reply_to"), "reply_to")
    if reply_to:
        message["Reply-To"] = _header(reply_to)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Message-ID"] = f"<{key}@officina>"
    markup = payload.get("html")
    text = payload.get("text")
    if text is None:
        text = _text_of(markup) if markup else ""
    message.set_content(str(text))
    if markup:
        message.add_alternative(str(markup), subtype="html")
    return message


def deliver_email(job, runtime) -> None:
    settings = runtime.site.mail
    payload = job["payload"]
    message = build_message(payload, job["idempotency_key"], settings)
    backend = settings.get("backend", "outbox")
    if backend == "outbox":
        write_to_outbox(runtime.site, message, job["idempotency_key"])
    elif backend == "smtp":
        recipients = [
            address
            for what in ("to", "cc", "bcc")
            for _, address in _addresses(payload.get(what), what)
        ]
        send_smtp(settings, message, recipients)
    else:
        raise DeliveryFailed(
            f"unknown mail backend '{backend}' in site.yaml (use outbox or smtp)"
        )


def write_to_outbox(site, message: EmailMessage, key: str) -> Path:
    """The message as `<site>/mail/<key>.eml`: a repeated delivery writes
    the same file again rather than a second one."""
    folder = mail_folder(site)
    folder.mkdir(exist_ok=True)
    target = folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', key)}.eml"
    temporary = target.with_suffix(".tmp")
    temporary.write_bytes(bytes(message))
    temporary.replace(target)
    return target


def send_smtp(settings, message: EmailMessage, recipients: list[str]) -> None:
    host = settings.get("host")
    if not host:
        raise DeliveryFailed("mail backend smtp needs 'host' in site.yaml")
    security = str(settings.get("security") or "").lower()  # starttls, ssl, none
    port = int(settings.get("port") or (465 if security == "ssl" else 587))
    if not security:
        security = "ssl" if port == 465 else ("starttls" if port == 587 else "none")
    if settings.get("starttls") is not None:
        security = "starttls" if settings.get("starttls") else security
    timeout = float(settings.get("timeout") or SMTP_TIMEOUT)
    context = ssl.create_default_context()
    try:
        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if security == "starttls":
                client.starttls(context=context)
            if settings.get("username"):
                client.login(
                    str(settings["username"]), str(settings.get("password", ""))
                )
            refused = client.send_message(message, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as error:
        _refused(error.recipients)
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as error:
        raise RetryLater(f"SMTP server {host}:{port}: {error}") from error
    except smtplib.SMTPResponseException as error:
        answer = f"{error.smtp_code} {_text(error.smtp_error)}"
        detail = f"SMTP server {host}:{port} answered {answer}"
        if 400 <= error.smtp_code < 500:
            raise RetryLater(detail) from error
        raise DeliveryFailed(detail) from error
    except (OSError, smtplib.SMTPException) as error:
        raise RetryLater(f"SMTP server {host}:{port}: {error}") from error
    if refused:
        _refused(refused)


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _refused(recipients: dict) -> None:
    detail = "; ".join(
        f"{address}: {code} {_text(text)}"
        for address, (code, text) in recipients.items()
    )
    if all(400 <= code < 500 for code, _ in recipients.values()):
        raise RetryLater(f"recipients refused for now: {detail}")
    raise DeliveryFailed(f"recipients refused: {detail}")


# -- webhooks -------------------------------------------------------------


def webhook_secret(site) -> str:
    secret = site.webhooks.get("secret")
    if secret:
        return str(secret)
    from officina.app import _secret_key

    return _secret_key(Path(site.path))


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver_webhook(job, runtime) -> None:
    payload = job["payload"]
    url = str(payload.get("url") or "")
    if not url.lower().startswith(("http://", "https://")):
        raise DeliveryFailed(f"'{url}' is not an http(s) address")
    body = payload.get("body")
    if isinstance(body, str):
        data = body.encode()
    else:
        data = json.dumps(body, ensure_ascii=False, default=str).encode()
    headers = {str(k): str(v) for k, v in (payload.get("headers") or {}).items()}
    headers.update(
        {
            "Content-Type": "application/json",
            "User-Agent": "Officina-Webhooks",
            "Idempotency-Key": job["idempotency_key"],
            "X-Officina-Signature": sign(webhook_secret(runtime.site), data),
            "X-Officina-Timestamp": str(int(time.time())),
        }
    )
    method = str(payload.get("method") or "POST").upper()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
            response.read(65536)
    except urllib.error.HTTPError as error:
        with error:
            detail = f"{url} answered {error.code} {error.reason}"
            if error.code in (408, 429) or error.code >= 500:
                raise RetryLater(detail) from None
            raise DeliveryFailed(detail) from None
    except urllib.error.URLError as error:
        raise RetryLater(f"{url}: {error.reason}") from error
    except (OSError, TimeoutError) as error:
        raise RetryLater(f"{url}: {error}") from error
