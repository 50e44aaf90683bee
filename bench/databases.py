"""Creating and dropping a benchmark's database, before Django is set up on it."""

import dj_database_url
import psycopg2


def _admin(url: str, *statements: str) -> list[tuple]:
    """Run statements on the server's `postgres` database (a database cannot drop itself)."""
    config = dj_database_url.parse(url)
    admin = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        password=config["PASSWORD"] or None,
        host=config["HOST"],
        port=config["PORT"] or 5432,
    )
    admin.autocommit = True
    rows: list[tuple] = []
    with admin.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, [config["NAME"]])
            rows = cursor.fetchall() if cursor.description else []
    admin.close()
    return rows


def exists(url: str) -> bool:
    return bool(_admin(url, "SELECT 1 FROM pg_database WHERE datname = %s"))


def recreate(url: str) -> None:
    name = dj_database_url.parse(url)["NAME"]
    _admin(url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')


def drop(url: str) -> None:
    name = dj_database_url.parse(url)["NAME"]
    _admin(url, f'DROP DATABASE IF EXISTS "{name}"')
