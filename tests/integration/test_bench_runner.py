"""The benchmark runner end to end on a tiny desk: every figure printed, the table written.

It builds its own throw-away database (named after the test database, so developers running
the suite side by side do not collide), serves the app with gunicorn and loads it with wrk
(Debian's package; .ci/run installs it). No timing is asserted: timings belong to
`make bench`, the test only proves the runner measures everything and reports it.
"""

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "queue.default",
    "queue.filtered",
    "queue.deep",
    "queue.drawn",
    "queue.search",
    "ticket",
    "ceiling.minimal",
    "ceiling.reference",
]
FIGURES = [
    *(f"{page}.{measure}" for page in PAGES for measure in ("rps", "p50", "p99", "queries")),
    "queue.default.vs_reference",
    "queue.filtered.vs_reference",
    "queue.deep.vs_reference",
    "queue.drawn.vs_reference",
    "ticket.queries_growth",
    "generator.seconds",
    "generator.rate",
    "portal.queries",
    "portal.created",
    "portal.created_with_file",
    "memory.growth",
    "memory.peak",
    "sweep.breaching",
    "sweep.breach_1pct",
    "sweep.breach_0pct",
]


def _server_url() -> str:
    database = settings.DATABASES["default"]
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT'] or 5432}"


def _smoke_database() -> str:
    return re.sub(r"[^a-z0-9_]", "_", f"{settings.DATABASES['default']['NAME']}".lower()) + (
        "_smoke_bench"
    )


def test_runner_prints_every_figure_and_writes_the_results_table(tmp_path: Path) -> None:
    command = [sys.executable, "bench/run.py", "--tickets", "300", "--duration", "1"]
    command += ["--database", _smoke_database(), "--postgres", _server_url(), "--drop"]
    command += ["--redis", settings.CELERY_BROKER_URL, "--memory-requests", "100"]
    command += ["--results-dir", str(tmp_path)]

    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stderr[-4000:]
    printed = dict(re.findall(r"^(\S+) (-?\d+(?:\.\d+)?) \S+$", done.stdout, re.MULTILINE))
    assert sorted(printed) == sorted(FIGURES), done.stdout
    [table] = tmp_path.glob("*-300.md")
    rows = re.findall(r"^\| `([^`]+)` \| -?[\d.]+ \|", table.read_text(), re.MULTILINE)
    assert sorted(rows) == sorted(FIGURES)
    searched = re.search(r"^- search: (.+)$", table.read_text(), re.MULTILINE)
    assert searched is not None
    assert f"q={searched[1].replace(' ', '+')}" in done.stderr  # the words measured
