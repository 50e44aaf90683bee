"""The server under test (gunicorn, 2 workers) and the load tool (wrk) that measures it."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

WRK_SCRIPTS = Path(__file__).resolve().parent / "wrk"
ROOT = WRK_SCRIPTS.parent.parent
WORKERS = 2
# A slow page must be reported slow, not as a socket timeout (wrk's default is 2 s).
WRK_TIMEOUT = "30s"


class BenchError(Exception):
    """The benchmark could not measure something: a page failed, a tool is missing…"""


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen
    url: str

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[Server]:
    """Serve the app as in production (sync workers, no reload); always stop it, with its
    whole process group, whatever happens inside the block."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "helpdesk.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(WORKERS), "--worker-tmp-dir", "/dev/shm", "--log-level", "warning"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        _wait_until_serving(server)
        yield server
    except Exception:
        # The log lives in a temporary folder: show why requests failed before it goes.
        print(f"gunicorn's log ends with:\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        _stop(process)


def _wait_until_serving(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError("gunicorn exited")
        try:
            if requests.get(f"{server.url}/bench/minimal/", timeout=5).ok:
                while len(server.worker_pids()) < WORKERS:
                    time.sleep(0.1)
                return
        except requests.RequestException:  # not listening yet, or no worker booted yet
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within {timeout:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass(frozen=True)
class Load:
    """What one wrk run saw (see wrk/report.lua)."""

    requests: int
    duration_us: int
    p50_us: int
    p99_us: int
    http_errors: int
    socket_errors: int
    unexpected: int

    @property
    def seconds(self) -> float:
        return self.duration_us / 1_000_000

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def wrk(
    url: str,
    *,
    connections: int,
    duration: float,
    script: str = "report.lua",
    headers: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> Load:
    """Load `url` from `connections` connections for `duration` seconds; fail loudly if any
    response was an error or not what the script expected."""
    command = ["wrk", "--threads", "1", "--connections", str(connections)]
    command += ["--duration", f"{duration:g}s", "--timeout", WRK_TIMEOUT]
    command += ["--script", str(WRK_SCRIPTS / script)]
    for header in headers:
        command += ["--header", header]
    try:
        done = subprocess.run(
            [*command, url], capture_output=True, text=True, env={**os.environ, **(env or {})}
        )
    except FileNotFoundError:
        raise BenchError("wrk is not installed (Debian: apt-get install wrk)") from None
    found = re.search(r"^BENCH (.*)$", done.stdout, re.MULTILINE)
    if done.returncode or not found:
        raise BenchError(f"wrk failed on {url}:\n{done.stdout}\n{done.stderr}")
    load = Load(**{key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", found[1])})
    if load.requests == 0:
        raise BenchError(f"No answer from {url} within {duration:g} s: try a longer --duration")
    if load.http_errors or load.socket_errors or load.unexpected:
        raise BenchError(f"Errors loading {url}: {load}\n{done.stdout}")
    return load


def fetch_all(urls: list[str], cookies: dict[str, str], *, count: int, concurrency: int) -> None:
    """Exactly `count` GETs of `urls` in turn from `concurrency` clients, each answered 200.
    (wrk runs for a time, not a number of requests: a stopped wrk thread keeps its
    connections open, which blocks sync workers until their timeout.)"""

    def client(first: int) -> None:
        with requests.Session() as session:
            session.cookies.update(cookies)
            for number in range(first, count, concurrency):
                url = urls[number % len(urls)]
                answer = session.get(url, allow_redirects=False, timeout=60)
                if answer.status_code != 200:
                    raise BenchError(f"{url} answered HTTP {answer.status_code}")

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(client, range(concurrency)))


@dataclass(frozen=True)
class Memory:
    """A process's resident memory now and at its peak, in MB (from /proc/<pid>/status)."""

    rss: float
    peak: float

    @classmethod
    def of(cls, pid: int) -> "Memory":
        status = Path(f"/proc/{pid}/status").read_text()
        kilobytes = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB$", status, re.MULTILINE))
        return cls(int(kilobytes["VmRSS"]) / 1024, int(kilobytes["VmHWM"]) / 1024)
