"""Database engines: SQLite (embedded default) and PostgreSQL (production).

SQLite is set up for an application server: WAL (readers never block the
writer), foreign keys on, a busy timeout, and write transactions that take
the write lock when they begin (`BEGIN IMMEDIATE`), so concurrent writers
queue instead of failing half-way with "database is locked".
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from officina.errors import SiteError

BUSY_TIMEOUT_MS = 30_000
# How often a waiting writer tries for SQLite's write lock (see _begin_write).
BUSY_STEP_S = 0.0001
BUSY_STEP_MAX_S = 0.002
# Execution option that marks a connection's transaction as a write.
WRITE = "officina_write"


def database_url(url: str, site_path: Path | None = None) -> str:
    """The URL with a relative SQLite path resolved inside the site folder."""
    try:
        parsed = make_url(url)
    except Exception as error:  # sqlalchemy raises ArgumentError and others
        raise SiteError(
            f"the database URL '{url}' cannot be read ({error}). Hint: write e.g. "
            "sqlite:///officina.sqlite3 or postgresql+psycopg://user@host/name."
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    ):
        path = Path(parsed.database)
        if not path.is_absolute() and site_path is not None:
            path = site_path / path
        return parsed.set(database=str(path)).render_as_string(hide_password=False)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver Officina installs.
        return parsed.set(drivername="postgresql+psycopg").render_as_string(
            hide_password=False
        )
    return url


def create_database_engine(
    url: str, *, site_path: Path | None = None, echo: bool = False
) -> Engine:
    """An engine for `url`, configured for Officina's use of the database."""
    resolved = database_url(url, site_path)
    backend = make_url(resolved).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(
            resolved,
            echo=echo,
            connect_args={
                "timeout": BUSY_TIMEOUT_MS / 1000,
                "check_same_thread": False,
            },
        )
        _configure_sqlite(engine)
        return engine
    if backend == "postgresql":
        return create_engine(
            resolved, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20
        )
    raise SiteError(
        f"Officina runs on SQLite or PostgreSQL, not '{backend}'. Hint: set "
        "'database:' in site.yaml to a sqlite:/// or postgresql:// URL."
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # Straight to the driver: every request begins a transaction, and
        # SQLAlchemy's statement machinery (events, cursor result) costs
        # more than the BEGIN itself. Errors still arrive as SQLAlchemy's.
        driver = connection.connection.driver_connection
        write = connection.get_execution_options().get(WRITE)
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        try:
            if write:
                _begin_write(driver)
            else:
                driver.execute(statement)
        except sqlite3.Error as error:
            raise exc.DBAPIError.instance(
                statement, None, error, sqlite3.Error
            ) from error


def _begin_write(driver) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock in short steps.

    SQLite's own busy handler sleeps 1, 2, 5, 10, ... ms between tries, so
    a writer that arrives while another holds the lock for half a
    millisecond waits several milliseconds, and under steady load one
    process can starve the others. Here the lock is tried every
    BUSY_STEP_S (growing to BUSY_STEP_MAX_S) until the same
    BUSY_TIMEOUT_MS as everywhere else has passed.
    """
    driver.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        step = BUSY_STEP_S
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if (
                    getattr(error, "sqlite_errorcode", sqlite3.SQLITE_BUSY)
                    != sqlite3.SQLITE_BUSY
                    or time.monotonic() >= deadline
                ):
                    raise
            time.sleep(step)
            step = min(step * 1.5, BUSY_STEP_MAX_S)
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
