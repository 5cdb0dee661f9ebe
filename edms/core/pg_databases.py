"""Temporary PostgreSQL databases on a server we already use: restore drills, test
installations and benchmarks each need one, made and dropped the same way."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import dj_database_url
import psycopg
from psycopg import sql


def database_url(config: dict) -> str:
    """The URL (as EDMS_DATABASE_URL takes it) of a Django database settings dict."""
    auth = ""
    if config.get("USER"):
        auth = quote(config["USER"], safe="")
        if config.get("PASSWORD"):
            auth += ":" + quote(config["PASSWORD"], safe="")
        auth += "@"
    host, port = config.get("HOST") or "127.0.0.1", config.get("PORT") or 5432
    return f"postgresql://{auth}{host}:{port}/{config['NAME']}"


def create_database(config: dict, prefix: str) -> dict:
    """Create an empty database named `prefix_<random>` on `config`'s server; return its config."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _execute(config, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return {**config, "NAME": name}


def drop_database(config: dict) -> None:
    """Drop the database of `config`, closing whatever connections it still has."""
    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    _execute(config, statement.format(sql.Identifier(config["NAME"])))


def _execute(config: dict, statement: sql.Composable) -> None:
    with psycopg.connect(
        host=config.get("HOST") or "127.0.0.1",
        port=config.get("PORT") or 5432,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(statement)


def create_database_at(server_url: str, prefix: str) -> str:
    """`create_database` for a server given by URL; returns the new database's URL."""
    return database_url(create_database(dj_database_url.parse(server_url), prefix))


def drop_database_at(url: str) -> None:
    drop_database(dj_database_url.parse(url))
