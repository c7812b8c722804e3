"""A private InfluxDB 1.x server (Debian's `influxd`) for the export tests.

Config, data and WAL live in a directory of the test's; the HTTP API listens
on a free loopback port. The server can be killed, restarted on the same
port and data, and frozen with SIGSTOP, to test the exporter's recovery.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
import contextlib
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import time
from typing import Any
from urllib import error, parse, request

import pytest
import pytest_socket

INFLUXD = shutil.which("influxd")
START_TIMEOUT_S = 30.0
ADMIN = ("admin", "admin-password")


def require_influxd() -> str:
    """The influxd binary; skip without it (fail under CI=true)."""
    if INFLUXD is None:
        if os.environ.get("CI") == "true":
            pytest.fail("influxd is missing: scripts/setup-influxdb installs it")
        pytest.skip("influxd (Debian package influxdb) is not installed")
    return INFLUXD


@contextlib.contextmanager
def loopback_sockets() -> Iterator[None]:
    """Sockets for a session fixture (the `socket_enabled` fixture is per test)."""
    pytest_socket.enable_socket()
    try:
        yield
    finally:
        pytest_socket.disable_socket(allow_unix_socket=True)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


_CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{root}/meta"
  logging-enabled = false
[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{port}"
  auth-enabled = {auth}
  log-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
[logging]
  level = "error"
"""


class InfluxServer:
    """One influxd process and an InfluxQL helper to assert with."""

    def __init__(self, root: Path, *, auth: bool = True) -> None:
        self.binary = require_influxd()
        self.root = root
        self.port = free_port()
        self.auth = auth
        root.mkdir(parents=True, exist_ok=True)
        self.config = root / "influxdb.conf"
        self.config.write_text(
            _CONFIG.format(
                root=root,
                port=self.port,
                rpc_port=free_port(),
                auth="true" if auth else "false",
            )
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The HTTP API's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start influxd and wait until it answers /ping."""
        with (self.root / "influxd.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "-config", str(self.config)], stdout=log, stderr=log
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with request.urlopen(f"{self.url}/ping", timeout=1):
                    break
            except (error.URLError, OSError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"influxd did not start: {(self.root / 'influxd.log').read_text()}"
                    ) from None
                time.sleep(0.05)
        if self.auth:
            # With no user yet, the first admin may be created without credentials.
            self.query(
                f"CREATE USER {ADMIN[0]} WITH PASSWORD '{ADMIN[1]}' WITH ALL PRIVILEGES",
                credentials=None,
                allow_existing=True,
            )

    def kill(self) -> None:
        """SIGKILL: the server vanishes mid-stream."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()
        self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open but nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT after freeze()."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Terminate the server (thawing it first if frozen)."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def query(
        self,
        statement: str,
        database: str | None = None,
        *,
        credentials: tuple[str, str] | None = ADMIN,
        allow_existing: bool = False,
    ) -> list[dict[str, Any]]:
        """Run InfluxQL; return the series of the first statement (raise on an error)."""
        form = {"q": statement}
        if database:
            form["db"] = database
        req = request.Request(
            f"{self.url}/query", data=parse.urlencode(form).encode(), method="POST"
        )
        if credentials is not None and self.auth:
            token = base64.b64encode(":".join(credentials).encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with request.urlopen(req, timeout=10) as response:
                body = json.loads(response.read())
        except error.HTTPError as err:
            raise AssertionError(f"{statement}: {err.code} {err.read()!r}") from err
        result = body["results"][0]
        if "error" in result and not (allow_existing and "exists" in result["error"]):
            raise AssertionError(f"{statement}: {result['error']}")
        series: list[dict[str, Any]] = result.get("series", [])
        return series

    def rows(self, statement: str, database: str) -> list[dict[str, Any]]:
        """The rows of a SELECT as dicts (time in epoch seconds), every series merged."""
        return [
            {**series.get("tags", {}), **dict(zip(series["columns"], values, strict=True))}
            for series in self.query(statement, database)
            for values in series["values"]
        ]

    def write(self, database: str, body: str, retention_policy: str | None = None) -> None:
        """Write line protocol as the admin (for the conflict test's first point)."""
        params = {"db": database, "precision": "s"}
        if retention_policy:
            params["rp"] = retention_policy
        req = request.Request(
            f"{self.url}/write?{parse.urlencode(params)}", data=body.encode(), method="POST"
        )
        token = base64.b64encode(":".join(ADMIN).encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
        with request.urlopen(req, timeout=10):
            pass
