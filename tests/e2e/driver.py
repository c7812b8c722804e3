"""End-to-end driver: run inside a loopback-only network namespace.

Usage: ``driver.py <hass-executable> <config-dir> <report.json>``

Starts the real ``hass`` on ``<config-dir>``, waits for ``/manifest.json``,
completes the onboarding over REST, adds ``integration_reliability`` through
the config-flow REST API, reads the config entries, stops hass with SIGTERM and
waits for it. With ``IR_BROWSER_SCRIPT`` set, it runs that script with
``node`` (a real Chromium driven by playwright-core) against the running hass
before stopping it, with the login in ``IR_USER`` / ``IR_PASSWORD`` and the
browser's own report in ``IR_REPORT``. Everything it saw goes to
``<report.json>`` for the test to assert on; the driver itself only fails
on unexpected exceptions. It must not leave hass running, whatever happens.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

BASE = "http://127.0.0.1:8123"
CLIENT_ID = BASE + "/"
DOMAIN = "integration_reliability"
START_TIMEOUT = 150.0  # a loaded 2-core CI machine needs more than a minute at times
STOP_TIMEOUT = 30.0
BROWSER_TIMEOUT = 180.0
USERNAME = "e2e"
PASSWORD = "e2e-password"


class HttpError(Exception):
    """A non-2xx answer from Home Assistant."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


def call(
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    token: str | None = None,
    *,
    form: bool = False,
) -> Any:
    """Send one request to hass and return the decoded JSON answer."""
    headers: dict[str, str] = {}
    data = None
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(BASE + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
    except urllib.error.HTTPError as err:
        raise HttpError(err.code, err.read().decode(errors="replace")) from err
    return json.loads(raw) if raw else None


def wait_for_http(hass: subprocess.Popen[bytes]) -> float:
    """Wait until hass answers ``/manifest.json``; return the seconds it took."""
    start = time.monotonic()
    while True:
        if hass.poll() is not None:
            raise RuntimeError(f"hass exited during startup with code {hass.returncode}")
        try:
            call("GET", "/manifest.json")
            return time.monotonic() - start
        except (OSError, HttpError):
            if time.monotonic() - start > START_TIMEOUT:
                raise RuntimeError(f"hass did not answer within {START_TIMEOUT} s") from None
            time.sleep(0.25)


def wait_running(token: str | None) -> None:
    """Wait until hass reports RUNNING: before that, SIGTERM kills it outright.

    Home Assistant serves HTTP before its startup finishes and installs its
    signal handlers only then; without a token, give it a fixed grace time.
    """
    if token is None:
        time.sleep(10)
        return
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if call("GET", "/api/config", None, token).get("state") == "RUNNING":
                return
        except (OSError, HttpError):
            pass
        time.sleep(0.25)


def onboard() -> str:
    """Complete the onboarding over REST and return an access token."""
    code = call(
        "POST",
        "/api/onboarding/users",
        {
            "client_id": CLIENT_ID,
            "name": "E2E",
            "username": USERNAME,
            "password": PASSWORD,
            "language": "en",
        },
    )["auth_code"]
    token: str = call(
        "POST",
        "/auth/token",
        {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        form=True,
    )["access_token"]
    call("POST", "/api/onboarding/core_config", {}, token)
    call("POST", "/api/onboarding/analytics", {}, token)
    call(
        "POST",
        "/api/onboarding/integration",
        {"client_id": CLIENT_ID, "redirect_uri": CLIENT_ID + "?auth_callback=1"},
        token,
    )
    return token


def add_integration(token: str, report: dict[str, Any]) -> None:
    """Run the config flow over REST, confirming every form with its defaults."""
    result = call(
        "POST",
        "/api/config/config_entries/flow",
        {"handler": DOMAIN, "show_advanced_options": False},
        token,
    )
    report["flow_steps"] = [result]
    for _ in range(5):
        if result.get("type") != "form":
            break
        result = call("POST", f"/api/config/config_entries/flow/{result['flow_id']}", {}, token)
        report["flow_steps"].append(result)
    report["flow_result"] = result


def run_browser(script: str, config_dir: Path, report: dict[str, Any]) -> None:
    """Run the browser script against the running hass; keep its report."""
    browser_report = config_dir / "browser-report.json"
    env = {
        **os.environ,
        "IR_BASE": BASE,
        "IR_USER": USERNAME,
        "IR_PASSWORD": PASSWORD,
        "IR_REPORT": str(browser_report),
    }
    try:
        done = subprocess.run(
            ["node", script],
            env=env,
            capture_output=True,
            timeout=BROWSER_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        report["browser_exit"] = done.returncode
        report["browser_output"] = (done.stdout + done.stderr).decode(errors="replace")[-4000:]
    except subprocess.TimeoutExpired:
        report["browser_exit"] = "timeout"
    if browser_report.exists():
        report["browser"] = json.loads(browser_report.read_text())


def stop(hass: subprocess.Popen[bytes], token: str | None, report: dict[str, Any]) -> None:
    """Stop hass with SIGTERM (SIGKILL as the last resort) and record how."""
    if hass.poll() is None:
        wait_running(token)
        hass.send_signal(signal.SIGTERM)
        start = time.monotonic()
        try:
            hass.wait(timeout=STOP_TIMEOUT)
            report["stop_seconds"] = round(time.monotonic() - start, 1)
        except subprocess.TimeoutExpired:
            hass.kill()
            hass.wait()
            report["killed"] = True
    report["exit_code"] = hass.returncode


def main() -> int:
    """Drive one run and write the report."""
    hass_exe, config_dir, report_path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    report: dict[str, Any] = {"steps_done": []}
    with (config_dir / "hass.stdout.log").open("wb") as out:
        hass = subprocess.Popen(
            [hass_exe, "-c", str(config_dir), "--skip-pip"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        token: str | None = None
        try:
            report["startup_seconds"] = round(wait_for_http(hass), 1)
            report["steps_done"].append("http")
            token = onboard()
            report["steps_done"].append("onboarding")
            wait_running(token)
            report["steps_done"].append("running")
            add_integration(token, report)
            report["steps_done"].append("config_flow")
            report["entries"] = [
                entry
                for entry in call("GET", "/api/config/config_entries/entry", None, token)
                if entry.get("domain") == DOMAIN
            ]
            report["steps_done"].append("entries")
            if script := os.environ.get("IR_BROWSER_SCRIPT"):
                run_browser(script, config_dir, report)
                report["steps_done"].append("browser")
        except Exception as err:  # everything goes to the report
            report["error"] = f"{type(err).__name__}: {err}"
        finally:
            stop(hass, token, report)
    report_path.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
