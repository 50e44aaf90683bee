"""Benchmark the help desk on PostgreSQL under gunicorn and wrk; prints one figure a line.

    .venv/bin/python bench/run.py --tickets 1000000      (or: make bench TICKETS=1000000)

It (re)creates a PostgreSQL database whose name must end in "_bench", migrates it, loads the
demo desk and fills it with `manage.py generate_tickets`; with --reuse it keeps a database
that already holds enough tickets. It serves the app with gunicorn (2 workers, DEBUG off,
bench/settings.py), signs an agent in and measures the agent queue, the ticket page, the
portal's ticket creation, the workers' memory, two ceiling views and the SLA sweep. Each
figure is printed as `name value unit` on stdout (progress goes to stderr) and the table,
with the budgets of issue 7, is written to bench/results/<YYYYmmdd-HHMM>-<tickets>.md.
Needs wrk (Debian: apt-get install wrk), PostgreSQL and Redis. Exits non-zero on errors
only, not on a missed budget.
"""

import argparse
import os
import re
import secrets
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

from bench import databases  # noqa: E402

# Synthetic data goes only into a database named for it; the name is also quoted into SQL.
BENCH_NAME = re.compile(r"^[a-z0-9_]+_bench$")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets to generate")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="connections for throughput")
    parser.add_argument("--database", default="helpdesk_bench", help="name ending in _bench")
    parser.add_argument("--reuse", action="store_true", help="keep a database that is filled")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
        help="the PostgreSQL server, as a URL without a database name",
    )
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        help="Redis for the broker and the cache (its Celery queue is purged at the end)",
    )
    parser.add_argument("--agent", default="alex", help="the demo agent whose pages are loaded")
    parser.add_argument(
        "--memory-requests", type=int, default=10_000, help="requests between memory readings"
    )
    parser.add_argument("--results-dir", type=Path, default=ROOT / "bench" / "results")
    options = parser.parse_args(argv)
    if not BENCH_NAME.fullmatch(options.database):
        parser.error(f"--database {options.database!r}: the name must end in _bench")
    return options


def environment(options: argparse.Namespace, workdir: Path) -> dict[str, str]:
    """The settings of both the server and this process: production mode on bench.settings."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{options.postgres.rstrip('/')}/{options.database}",
        # What docker-compose's web service does: keep connections between requests.
        "DATABASE_CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": options.redis,
        "CACHE_URL": options.redis,
        "HELPDESK_VAR_DIR": str(workdir / "var"),
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
    }


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    # Stopped with TERM (a CI timeout, kill): unwind, so gunicorn is stopped and --drop done.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as workdir:
        env = environment(options, Path(workdir))
        os.environ.update(env)
        django.setup()
        from bench import suite
        from bench.load import BenchError

        try:
            suite.run(options, env, Path(workdir))
        except BenchError as error:
            print(f"bench: {error}", file=sys.stderr)
            return 1
        finally:
            if options.drop:
                from django.db import connections

                connections.close_all()
                databases.drop(env["DATABASE_URL"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
