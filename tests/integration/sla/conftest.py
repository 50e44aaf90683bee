"""SLA fixtures for the integration tests: escalation rules, an HTTP receiver standing in for
PagerDuty, Celery worker/beat processes, and a Redis of the test's own."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from sla.models import EscalationRule, OnCallWebhook, SLAPlan
from tests.conftest import Cast, OpenTicket, free_port
from tickets.models import Ticket

Action, Trigger = EscalationRule.Action, EscalationRule.Trigger
ROUTING_KEY = "R0UT1NGKEY-secret-0123456789abcdef"


def add_rule(plan: SLAPlan, trigger: str, action: str, **target: object) -> EscalationRule:
    return EscalationRule.objects.create(plan=plan, trigger=trigger, action=action, **target)


@pytest.fixture
def open_breached(open_ticket: OpenTicket) -> Callable[..., Ticket]:
    """Open a ticket `hours_ago` hours ago (through the operation, time travelled)."""

    def open_(hours_ago: float = 80, **overrides: object) -> Ticket:
        with time_machine.travel(timezone.now() - timedelta(hours=hours_ago), tick=False):
            return open_ticket(**overrides)

    return open_


# ---------------------------------------------------------------------------------------------
# An HTTP receiver for on-call pages


@dataclass
class Receiver:
    """What the local webhook received; `failures` makes it answer 500 that many times,
    `stalls` makes it hang past the client's timeout that many times."""

    url: str
    bodies: list[dict[str, object]] = field(default_factory=list)
    failures: int = 0
    stalls: int = 0
    stall_seconds: float = 3.0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def page_receiver() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with receiver.lock:
                stall, fail = receiver.stalls > 0, receiver.failures > 0 and receiver.stalls == 0
                receiver.stalls -= stall
                receiver.failures -= fail
            if stall:
                time.sleep(receiver.stall_seconds)
            code = 500 if fail else 202
            if not (fail or stall):
                receiver.bodies.append(body)
            answer = {"status": "error" if fail else "success", "echo": body.get("routing_key")}
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(answer).encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_port}/v2/enqueue"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def sev_a_webhook(cast: Cast, page_receiver: Receiver) -> OnCallWebhook:
    return OnCallWebhook.objects.create(
        name="SysAdmin on-call", url=page_receiver.url, routing_key=ROUTING_KEY, plan=cast.sev_a
    )


# ---------------------------------------------------------------------------------------------
# Celery in separate processes, on the test database


@dataclass
class CeleryProcesses:
    """Start `celery worker` processes (optionally with beat) against the test database."""

    log_dir: Path
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, *, beat: bool = False, broker: str = "", **env: str) -> subprocess.Popen[bytes]:
        database = connection.settings_dict
        environment = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "CELERY_BROKER_URL": broker or settings.CELERY_BROKER_URL,
            "HELPDESK_SLA_SWEEP_SECONDS": "1",
            **env,
        }
        name = f"worker{len(self.running)}@sla-test"
        command = [
            sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--pool", "solo",
            "--loglevel", "INFO", "--hostname", name, "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        if beat:
            command += ["--beat", "--schedule", str(self.log_dir / "beat-schedule")]
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
        self.running.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.running:
            process.send_signal(signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log_of(self, index: int) -> str:
        return (self.log_dir / f"worker{index}@sla-test.log").read_text(errors="replace")

    def wait_until_ready(self, timeout: float = 60) -> None:
        """Until every worker started says it is ready to take tasks."""
        wait_for(
            lambda: all(" ready." in self.log_of(index) for index in range(len(self.running))),
            timeout=timeout,
            logs=self.logs,
        )

    def logs(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.log_dir.glob("*.log"))


@pytest.fixture
def celery_processes(transactional_db: None, tmp_path: Path) -> Iterator[CeleryProcesses]:
    """Worker processes read committed data, hence the transactional database; they are
    stopped before the database is flushed."""
    from helpdesk.celery import app

    app.control.purge()
    processes = CeleryProcesses(log_dir=tmp_path)
    yield processes
    processes.stop_all()


# ---------------------------------------------------------------------------------------------
# A Redis of the test's own, to take down and bring back


@dataclass
class OwnRedis:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False
            ).stdout.strip()
            != b"PONG"
        ):
            if time.monotonic() > deadline:
                pytest.fail("the test's Redis did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    redis = OwnRedis(port=free_port())
    redis.start()
    yield redis
    redis.stop()


def wait_for(condition: Callable[[], bool], *, timeout: float, logs: Callable[[], str]) -> None:
    """Poll until `condition()` holds; on failure show the Celery processes' logs."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout} s; Celery logs:\n{logs()[-6000:]}")
        time.sleep(0.2)


def now_plus(minutes: float) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)
