"""Pages of automation: the inbox of in-app notifications (every user), the
outbox of jobs with its dead letters (/admin/jobs) and the site's local
mail folder (/admin/mail) for admins, and the SLA badges of records."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes, policy

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, or_, select

from officina.app import runtime
from officina.automation import sla
from officina.automation.channels import mail_folder
from officina.automation.outbox import DEAD, DONE, PENDING, RUNNING
from officina.automation.worker import retry_job
from officina.database import WRITE
from officina.schema.tables import JOBS, NOTIFICATIONS
from officina.web.ui import blueprint
from officina.web.ui.paging import newest_first

PAGE = 100  # mail messages shown
COUNT_CAP = 1000  # jobs counted per status tab
UNREAD_SCAN = 500  # recent messages looked at for the navbar's count
_MAIL_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.eml$")


# -- the inbox ------------------------------------------------------------


def _mine(table, user):
    """Messages to the user, or to one of their roles."""
    roles = list(user.roles or ())
    mine = table.c.user_id == user.id
    if roles:
        mine = or_(mine, table.c.role.in_(roles))
    return mine


def _is_read(row, user) -> bool:
    if row["user_id"] is not None:
        return row["read_at"] is not None
    return user.id in (row["read_by"] or [])


def unread_count(user) -> int:
    table = runtime().schema.metadata.tables[NOTIFICATIONS]
    query = (
        select(table.c.user_id, table.c.read_at, table.c.read_by)
        .where(
            or_(
                (table.c.user_id == user.id) & table.c.read_at.is_(None),
                table.c.role.in_(list(user.roles or ())),
            )
        )
        .order_by(table.c.id.desc())
        .limit(UNREAD_SCAN)
    )
    with runtime().engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return sum(1 for row in rows if not _is_read(row, user))


@blueprint.app_template_global()
def inbox_unread() -> int:
    """The signed-in user's unread notifications (for the navbar)."""
    user = g.get("user")
    return unread_count(user) if user is not None else 0


@blueprint.get("/inbox")
def inbox():
    if g.get("user") is None:
        return redirect(url_for("ui.login", next=request.full_path))
    table = runtime().schema.metadata.tables[NOTIFICATIONS]
    with runtime().engine.connect() as connection:
        page = newest_first(
            connection, select(table).where(_mine(table, g.user)), table.c.id
        )
    notes = [dict(row) | {"read": _is_read(row, g.user)} for row in page.rows]
    return render_template("ui/inbox.html", notes=notes, page=page)


def _mark_read(connection, table, row, user, now) -> None:
    if _is_read(row, user):
        return
    if row["user_id"] is not None:
        values = {"read_at": now}
    else:
        values = {"read_by": [*(row["read_by"] or []), user.id]}
    connection.execute(table.update().where(table.c.id == row["id"]).values(values))


@blueprint.post("/inbox/read")
def inbox_read():
    """Mark one message (`id`) or all of them read."""
    if g.get("user") is None:
        abort(403)
    table = runtime().schema.metadata.tables[NOTIFICATIONS]
    chosen = request.form.get("id", type=int)
    query = select(table).where(_mine(table, g.user))
    if chosen is not None:
        query = query.where(table.c.id == chosen)
    now = dt.datetime.now(dt.UTC)
    with runtime().engine.connect() as connection:
        connection = connection.execution_options(**{WRITE: True})
        with connection.begin():
            rows = connection.execute(query).mappings().all()
            if chosen is not None and not rows:
                abort(404, _("There is no such message."))
            for row in rows:
                _mark_read(connection, table, row, g.user, now)
    return redirect(url_for("ui.inbox"))


# -- the outbox (admins) ----------------------------------------------------

STATUSES = (PENDING, RUNNING, DONE, DEAD)


@blueprint.get("/admin/jobs")
def admin_jobs():
    table = runtime().schema.metadata.tables[JOBS]
    status = request.args.get("status", DEAD)
    if status not in STATUSES:
        status = DEAD
    with runtime().engine.connect() as connection:
        counts = {name: _count(connection, table, name) for name in STATUSES}
        page = newest_first(
            connection, select(table).where(table.c.status == status), table.c.id
        )
    return render_template(
        "ui/admin/jobs.html",
        jobs=page.rows,
        page=page,
        status=status,
        counts=counts,
        count_cap=COUNT_CAP,
    )


def _count(connection, table, status: str) -> int:
    """The jobs of a status, counted up to COUNT_CAP (done jobs pile up:
    the tab shows '1000+' rather than counting them all on every visit)."""
    capped = (
        select(table.c.id).where(table.c.status == status).limit(COUNT_CAP + 1)
    ).subquery()
    return connection.execute(select(func.count()).select_from(capped)).scalar_one()


@blueprint.post("/admin/jobs/<rid:job_id>/retry")
def admin_retry_job(job_id: int):
    if retry_job(runtime(), job_id):
        flash(_("Job %(id)s will be delivered again.", id=job_id), "success")
    else:
        flash(_("Only dead jobs can be retried."), "warning")
    return redirect(url_for("ui.admin_jobs", status=DEAD))


# -- the local mail outbox (admins) ----------------------------------------


def _read_mail(path) -> dict:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    text = message.get_body(("plain",))
    markup = message.get_body(("html",))
    return {
        "name": path.name,
        "subject": str(message.get("Subject", "")),
        "from": str(message.get("From", "")),
        "to": str(message.get("To", "")),
        "cc": str(message.get("Cc", "")),
        "date": str(message.get("Date", "")),
        "message_id": str(message.get("Message-ID", "")),
        "text": text.get_content() if text is not None else "",
        "html": markup.get_content() if markup is not None else None,
    }


@blueprint.get("/admin/mail")
def admin_mail():
    folder = mail_folder(runtime().site)
    files = sorted(
        folder.glob("*.eml") if folder.is_dir() else [],
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )[:PAGE]
    return render_template(
        "ui/admin/mail.html", messages=[_read_mail(path) for path in files]
    )


@blueprint.get("/admin/mail/<name>")
def admin_mail_message(name: str):
    path = mail_folder(runtime().site) / name
    if not _MAIL_NAME.match(name) or not path.is_file():
        abort(404, _("There is no such message."))
    return render_template("ui/admin/mail_message.html", message=_read_mail(path))


# -- SLA badges -------------------------------------------------------------


@blueprint.app_template_global()
def state_clocks(entity, records) -> dict:
    """{record id: clock} for a page of records (one query; none when the
    entity's states have no SLA)."""
    if not sla.has_sla(entity):
        return {}
    ids = [record.get("id") for record in records]
    return sla.time_left_many(runtime(), entity.name, ids)


@blueprint.app_template_global()
def sla_badge(info) -> Markup:
    """ "2h 5m left" or "overdue by 1d 3h", as a badge."""
    if not info:
        return Markup("")
    span = sla.humanize(info["seconds_left"])
    if info["overdue"]:
        text, style = _("overdue by %(time)s", time=span), "text-bg-danger"
    else:
        text, style = _("%(time)s left", time=span), "text-bg-warning"
    due = ""
    if info["due_at"]:  # in the site's timezone, with its offset
        local = info["due_at"].astimezone(runtime().records.timezone)
        due = local.isoformat(timespec="minutes")
    return Markup(
        '<span class="badge {} sla-badge" title="{}"><i class="bi bi-stopwatch"></i> '
        "{}</span>"
    ).format(style, escape(_("Due %(time)s", time=due)), text)
