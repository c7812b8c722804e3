"""End-to-end: the real ``hass`` with the dev config, in a loopback-only namespace.

The test process only spawns ``unshare -n`` (pytest-socket blocks its own
sockets); all networking happens in ``tests/e2e/driver.py`` inside the
namespace. The driver starts hass, completes the onboarding and adds the
integration over REST, then stops hass with SIGTERM. This test asserts on the
driver's report and on the hass log: the entry is ``loaded`` and the log holds
no ERROR/WARNING line from the integration, nor a traceback through its code.

Skips only where no namespace can be made and ``CI`` is not ``"true"``.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import os
from pathlib import Path
import re
import shutil
import signal
import subprocess
import sys
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "custom_components" / "integration_reliability"
DRIVER = ROOT / "tests" / "e2e" / "driver.py"
HASS = Path(sys.executable).parent / "hass"
DOMAIN = "integration_reliability"
RUN_TIMEOUT = 240

# One log record: "2026-01-01 12:00:00.123 WARNING (MainThread) [logger] message".
RECORD_START = re.compile(r"^(?:\x1b\[\d+m)?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ (?P<level>[A-Z]+) ")
# Home Assistant logs this for every custom integration; it is not our fault.
ALLOWED = ("We found a custom integration integration_reliability which has not been tested",)
NAMESPACE_SETUP = (
    "ip link set lo up && ip link set lo multicast on && "
    'ip route add 224.0.0.0/4 dev lo && exec "$0" "$@"'
)


def namespace_flags() -> list[str] | None:
    """Return the ``unshare`` flags that make a network namespace here, or None."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return None
    for flags in (["-n"], ["-r", "-n"]):
        probe = subprocess.run(
            ["unshare", *flags, "ip", "link", "set", "lo", "up"],
            capture_output=True,
            check=False,
            timeout=30,
        )
        if probe.returncode == 0:
            return flags
    return None


def log_records(text: str) -> Iterator[tuple[str, str]]:
    """Yield (level, full record text) for every record of a hass log."""
    level, lines = "", list[str]()
    for line in text.splitlines():
        match = RECORD_START.match(line)
        if match:
            if lines:
                yield level, "\n".join(lines)
            level, lines = match["level"], [line]
        else:
            lines.append(line)
    if lines:
        yield level, "\n".join(lines)


def offending_records(text: str) -> list[str]:
    """Return the records that break the "clean log" rule for our integration."""
    bad = []
    for level, record in log_records(text):
        if any(allowed in record for allowed in ALLOWED):
            continue
        ours = DOMAIN in record
        traceback_in_our_code = "Traceback" in record and f"custom_components/{DOMAIN}" in record
        if (level in {"WARNING", "ERROR", "CRITICAL"} and ours) or traceback_in_our_code:
            bad.append(record)
    return bad


def test_offending_records_detects_our_problems() -> None:
    """The log filter itself flags our warnings and tracebacks, not others'."""
    log = "\n".join(
        [
            "2026-01-01 00:00:00.000 WARNING (MainThread) [homeassistant.loader] "
            f"{ALLOWED[0]}. This component might cause stability problems",
            "2026-01-01 00:00:01.000 ERROR (MainThread) [homeassistant.components.foo] boom",
            "2026-01-01 00:00:02.000 WARNING (MainThread) "
            f"[custom_components.{DOMAIN}] something odd",
            "2026-01-01 00:00:03.000 INFO (MainThread) [homeassistant.setup] crashed",
            "Traceback (most recent call last):",
            f'  File "/x/custom_components/{DOMAIN}/__init__.py", line 1, in f',
            "\x1b[31m2026-01-01 00:00:04.000 ERROR (MainThread) [homeassistant.setup] "
            f"Error setting up entry for {DOMAIN}\x1b[0m",
        ]
    )
    bad = offending_records(log)
    assert len(bad) == 3
    assert "something odd" in bad[0]
    assert "Traceback" in bad[1]
    assert "Error setting up entry" in bad[2]


def run_driver(
    flags: list[str], config: Path, *, env: dict[str, str] | None = None, timeout: int = RUN_TIMEOUT
) -> dict[str, Any]:
    """Run the driver in a fresh network namespace and return its report."""
    report_path = config / "e2e-report.json"
    command = [
        "unshare",
        *flags,
        "bash",
        "-c",
        NAMESPACE_SETUP,
        sys.executable,
        str(DRIVER),
        str(HASS),
        str(config),
        str(report_path),
    ]
    # Own session, so a timeout can kill the whole tree (unshare, driver, hass).
    with subprocess.Popen(
        command,
        cwd=config,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    ) as proc:
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            pytest.fail(f"end-to-end run took longer than {timeout} s; killed it")
    assert proc.returncode == 0, f"driver failed:\n{output.decode(errors='replace')}"
    report: dict[str, Any] = json.loads(report_path.read_text())
    return report


def read_log(config: Path) -> str:
    """Return hass's own log file plus what it printed."""
    parts = []
    for name in ("home-assistant.log", "hass.stdout.log"):
        path = config / name
        if path.exists():
            parts.append(path.read_text(errors="replace"))
    return "\n".join(parts)


def test_e2e_add_integration_through_rest(e2e_config: Path) -> None:
    """Onboard a real hass, add the integration over REST: loaded, clean log."""
    flags = namespace_flags()
    if flags is None:
        message = "cannot create a loopback-only network namespace (unshare -n / ip)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " and CI=true")
        pytest.skip(message)

    report = run_driver(flags, e2e_config)
    log = read_log(e2e_config)
    tail = "\n".join(log.splitlines()[-60:])
    context = f"report: {json.dumps(report, indent=2)}\nlog tail:\n{tail}"

    assert "onboarding" in report["steps_done"], context
    assert "config_flow" in report["steps_done"], context
    result = report["flow_result"]
    assert result["type"] == "create_entry", context
    assert result["result"]["state"] == "loaded", context
    assert [entry["state"] for entry in report["entries"]] == ["loaded"], context
    assert not report.get("killed"), context
    assert report["exit_code"] == 0, context

    bad = offending_records(log)
    assert not bad, "hass log has problems from our integration:\n" + "\n\n".join(bad)
