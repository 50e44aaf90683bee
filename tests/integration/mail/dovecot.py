"""A real IMAP server for the tests: Debian's Dovecot, configured and started by the test as
an unprivileged process on spare ports, with TLS (a self-signed certificate made here) and
one passwd-file user. Missing Dovecot fails the test: CI installs it (.ci/run)."""

import grp
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port

USER = "helpdesk@northbank.test"
PASSWORD = "imap-test-password"
# As root, run the server as `nobody`, like a real deployment's unprivileged login processes.
UNPRIVILEGED = "nobody"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {home}/run
state_dir = {home}/state
log_path = {home}/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
ssl = required
ssl_cert = <{home}/cert.pem
ssl_key = <{home}/key.pem
auth_mechanisms = plain
first_valid_uid = 1
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {starttls_port}
  }}
  inet_listener imaps {{
    port = {ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {home}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/mail/%u
}}
"""


@dataclass
class ImapServer:
    host: str
    ssl_port: int
    starttls_port: int
    ca_file: Path
    user: str = USER
    password: str = PASSWORD

    def client(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        client = imaplib.IMAP4_SSL(self.host, self.ssl_port, ssl_context=context, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            status, detail = client.append(folder, None, None, raw)
            assert status == "OK", detail
        finally:
            client.logout()

    def unseen(self, folder: str = "INBOX") -> list[bytes]:
        client = self.client()
        try:
            client.select(folder)
            _status, data = client.uid("SEARCH", "UNSEEN")
            return data[0].split()
        finally:
            client.logout()


@contextmanager
def dovecot() -> Iterator[ImapServer]:
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not Path(binary).exists():
        pytest.fail("Dovecot is missing: apt-get install -y dovecot-imapd (.ci/run does).")
    home = Path(tempfile.mkdtemp(prefix="dovecot-"))
    account = pwd.getpwnam(UNPRIVILEGED) if os.geteuid() == 0 else pwd.getpwuid(os.getuid())
    server = ImapServer("127.0.0.1", free_port(), free_port(), home / "cert.pem")
    _self_signed_certificate(home)
    (home / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    for folder in ("run", "state", "mail"):
        (home / folder).mkdir()
    (home / "dovecot.conf").write_text(
        CONFIG.format(
            home=home,
            user=account.pw_name,
            group=_group_name(account.pw_gid),
            uid=account.pw_uid,
            gid=account.pw_gid,
            ssl_port=server.ssl_port,
            starttls_port=server.starttls_port,
        )
    )
    _hand_over(home, account)
    process = subprocess.Popen(
        [binary, "-F", "-c", str(home / "dovecot.conf")],
        user=account.pw_uid if os.geteuid() == 0 else None,
        group=account.pw_gid if os.geteuid() == 0 else None,
    )
    try:
        _wait_for_port(server.host, server.ssl_port, process, home)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


def _self_signed_certificate(home: Path) -> None:
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(home / "key.pem"),
            "-out",
            str(home / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )


def _group_name(gid: int) -> str:
    return grp.getgrgid(gid).gr_name


def _hand_over(home: Path, account: pwd.struct_passwd) -> None:
    """The server's account must own its files (a no-op when it is us)."""
    if os.geteuid() != 0:
        return
    for path in [home, *home.rglob("*")]:
        os.chown(path, account.pw_uid, account.pw_gid)


def _wait_for_port(host: str, port: int, process: subprocess.Popen, home: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    log = home / "dovecot.log"
    pytest.fail(f"Dovecot did not start: {log.read_text() if log.exists() else 'no log'}")
