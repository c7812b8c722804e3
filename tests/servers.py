"""Private PostgreSQL and MariaDB servers for fault drills.

Each is a real server of its own (initdb + pg_ctl, mariadb-install-db +
mariadbd) with its data directory in a temporary folder and a free port on
127.0.0.1, so a test can kill it, hang it (SIGSTOP) and restart it without
touching the shared servers on 5432 / 3306. A missing binary skips the tests
that need it, except under `CI=true`, where it fails them.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import glob
import os
from pathlib import Path
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

START_TIMEOUT_S = 60


def unavailable(reason: str) -> None:
    """Skip, or fail on CI, for a server that cannot be had."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must provide it")
    pytest.skip(reason)


def _free_port() -> int:
    # In a child process: the test harness blocks sockets in this one.
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0));"
            " print(s.getsockname()[1])",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout)


def _children(pid: int) -> list[int]:
    """Direct children of a process (PostgreSQL's backends and workers)."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.split("/")[2]))
    return found


class PrivateServer:
    """A server process the test owns: its URL, and ways to break it."""

    backend: str
    url: str

    def pids(self) -> list[int]:
        """Every process of the server."""
        raise NotImplementedError

    def kill(self) -> None:
        """Crash the server (connections drop at once)."""
        raise NotImplementedError

    def start(self) -> None:
        """Start (or restart) the server and wait until it answers."""
        raise NotImplementedError

    def hang(self) -> list[int]:
        """Freeze every server process: connections stay open, nothing answers."""
        pids = self.pids()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        return pids

    @staticmethod
    def resume(pids: list[int]) -> None:
        """Let frozen processes run again."""
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def _as_owner(user: str | None, command: list[str]) -> list[str]:
    return ["runuser", "-u", user, "--", *command] if user else command


class PrivatePostgreSQL(PrivateServer):
    """`initdb` once, then `pg_ctl start` / `stop -m immediate` at will."""

    backend = "postgresql"

    def __init__(self, bindir: str, base: str) -> None:
        self._bindir = bindir
        self._data = os.path.join(base, "data")
        self._log = os.path.join(base, "server.log")
        self._base = base
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        # PostgreSQL refuses to run as root: run it as the postgres user.
        self._user = "postgres" if os.geteuid() == 0 else None
        if self._user:
            owner = pwd.getpwnam(self._user)
            os.chown(base, owner.pw_uid, owner.pw_gid)
        subprocess.run(
            _as_owner(
                self._user,
                [
                    f"{bindir}/initdb",
                    "-D",
                    self._data,
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ],
            ),
            check=True,
            capture_output=True,
        )

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_owner(self._user, [f"{self._bindir}/pg_ctl", "-D", self._data, *args]),
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT_S,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self._base} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c full_page_writes=off -c max_connections=30"
        )
        self._ctl("-l", self._log, "-o", options, "-w", "start")

    def kill(self) -> None:
        self._ctl("-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("-m", "fast", "-w", "stop")

    def pids(self) -> list[int]:
        postmaster = int(Path(self._data, "postmaster.pid").read_text().split()[0])
        return [postmaster, *_children(postmaster)]


class PrivateMariaDB(PrivateServer):
    """`mariadb-install-db` once, then `mariadbd` started and killed at will."""

    backend = "mariadb"

    def __init__(self, base: str) -> None:
        self._data = os.path.join(base, "data")
        self._socket = os.path.join(base, "mysqld.sock")
        self._log = os.path.join(base, "server.log")
        self.port = _free_port()
        self.url = f"mysql://root@127.0.0.1:{self.port}/mysql"
        self._process: subprocess.Popen[bytes] | None = None
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={self._data}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                *user,
            ],
            check=True,
            capture_output=True,
        )
        self._command = [
            shutil.which("mariadbd") or "mariadbd",
            "--no-defaults",
            f"--datadir={self._data}",
            f"--socket={self._socket}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            f"--log-error={self._log}",
            f"--pid-file={os.path.join(base, 'mysqld.pid')}",
            "--skip-grant-tables",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=32M",
            "--innodb-flush-log-at-trx-commit=2",
            *user,
        ]

    def start(self) -> None:
        self._process = subprocess.Popen(
            self._command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["mariadb-admin", f"--socket={self._socket}", "--connect-timeout=2", "ping"],
                capture_output=True,
                check=False,
            )
            if ping.returncode == 0:
                return
            if self._process.poll() is not None:
                break
            time.sleep(0.1)  # polling a child process: there is nothing to await
        raise RuntimeError(f"mariadbd did not start: {Path(self._log).read_text()[-2000:]}")

    def kill(self) -> None:
        assert self._process is not None
        self._process.kill()
        self._process.wait()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def pids(self) -> list[int]:
        assert self._process is not None
        return [self._process.pid]


def _postgresql_bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return os.path.dirname(found[-1])
    pg_ctl = shutil.which("pg_ctl")
    return os.path.dirname(pg_ctl) if pg_ctl else None


@contextlib.contextmanager
def private_server(backend: str) -> Iterator[PrivateServer]:
    """Start a private server of this backend for the duration of the block."""
    server: PrivatePostgreSQL | PrivateMariaDB
    # Not under pytest's tmp_path: the postgres user must be able to enter it.
    base = tempfile.mkdtemp(prefix=f"ir-{backend}-")
    try:
        if backend == "postgresql":
            bindir = _postgresql_bindir()
            if bindir is None or (shutil.which("runuser") is None and os.geteuid() == 0):
                unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")
            assert bindir is not None
            server = PrivatePostgreSQL(bindir, base)
        else:
            if not (shutil.which("mariadbd") and shutil.which("mariadb-install-db")):
                unavailable("MariaDB server binaries (mariadbd, mariadb-install-db) not found")
            server = PrivateMariaDB(base)
        server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(Exception):
                server.resume(server.pids())
            server.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)
