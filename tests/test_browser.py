"""Real browser: Debian's Chromium (playwright-core) on the panel and the card of a real hass.

The end-to-end harness (tests/test_e2e.py) starts hass in a loopback-only
network namespace on a database seeded with `panel_seed` (rolled up before
hass starts), adds the integration over REST, then runs
`frontend/e2e/panel.mjs`: it logs in, opens the panel, reads the overview's
order, opens the worst integration with the keyboard, reads its heatmap,
goes back, opens the engine page, checks the 375 px layout, writes a
dashboard with the card in its three modes and follows the card to the panel.
Screenshots of every view go to `IR_SCREENSHOTS` (default: tmp_path; the
README's are made with `scripts/screenshots`).

Skips with a reason without Chromium, the npm packages or a namespace, and
fails instead under `CI=true`. `IR_SKIP_BROWSER=1` skips it on purpose (a
second CI leg runs it once, not twice).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import shutil
from zoneinfo import ZoneInfo

import pytest

from custom_components.integration_reliability.store.core import ReliabilityStore
from custom_components.integration_reliability.store.planner import rollup_incremental
from custom_components.integration_reliability.store.util import sqlite_url

from .panel_seed import CLUSTER_HOUR, ORDER, seed
from .test_e2e import ROOT, namespace_flags, offending_records, read_log, run_driver

CHROMIUM = Path(os.environ.get("IR_CHROMIUM", "/usr/bin/chromium"))
SCRIPT = ROOT / "frontend" / "e2e" / "panel.mjs"
PLAYWRIGHT = ROOT / "frontend" / "node_modules" / "playwright-core"


def _missing() -> str | None:
    if os.environ.get("IR_SKIP_BROWSER") == "1":
        return "IR_SKIP_BROWSER=1"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (scripts/setup-frontend installs Debian's chromium)"
    if shutil.which("node") is None or not PLAYWRIGHT.exists():
        return "node or playwright-core missing (run scripts/setup-frontend)"
    if namespace_flags() is None:
        return "cannot create a loopback-only network namespace (unshare -n / ip)"
    return None


async def _seed_database(path: Path, now: datetime) -> None:
    """Write the seeded history through the engine, then roll it up to `now`."""
    store = ReliabilityStore(sqlite_url(str(path)))
    store.start()
    try:
        await store.async_wait_ready()
        data = seed(now)
        for record in data.tracked:
            store.track_entity(record)
        for event in data.events:
            store.record(event)
        await store.async_run(
            lambda session: rollup_incremental(session, ZoneInfo("UTC"), now.timestamp())
        )
    finally:
        await store.async_stop()


def test_panel_and_card_in_a_real_browser(e2e_config: Path, tmp_path: Path) -> None:
    """Overview order, the 03:00 cluster, navigation, the engine page and the card."""
    if (reason := _missing()) is not None:
        if os.environ.get("CI") == "true" and not reason.startswith("IR_SKIP_BROWSER"):
            pytest.fail(f"{reason} and CI=true")
        pytest.skip(reason)
    asyncio.run(_seed_database(e2e_config / "integration_reliability.db", datetime.now(UTC)))
    shots = Path(os.environ.get("IR_SCREENSHOTS") or tmp_path / "screenshots")
    report = run_driver(
        namespace_flags() or [],
        e2e_config,
        env={"IR_BROWSER_SCRIPT": str(SCRIPT), "IR_SHOTS": str(shots)},
        timeout=300,
    )
    browser = report.get("browser", {})
    context = json.dumps({k: v for k, v in report.items() if k != "flow_steps"}, indent=2)[-6000:]
    assert "browser" in report["steps_done"], context
    assert "error" not in browser, context
    # Worst first: the seeded ranking (the dev config's own integrations, such as
    # a text-to-speech service failing its setup offline, are listed too).
    seeded = [iid for iid in browser["overview_order"] if iid in ORDER]
    assert seeded == list(ORDER), context
    first_ok = next(iid for iid in browser["overview_order"] if iid in ORDER)
    assert first_ok == "zha", context
    # The worst integration's heatmap: every outage start in the 03:00 column.
    by_hour = browser["heatmap_by_hour"]
    assert by_hour[CLUSTER_HOUR] == max(by_hour) > 0, context
    assert sum(by_hour) == by_hour[CLUSTER_HOUR], context
    assert browser["integration_title"] == "Zigbee Home Automation", context
    assert browser["timeline_bars"] > 0, context
    assert browser["heal_buttons"] == 0, context  # no config entry: nothing to reload
    assert browser["back_rows"] == len(browser["overview_order"]), context
    assert browser["engine_backend"] == "sqlite", context
    assert browser["narrow_scroll_width"]["page"] <= 375, context
    # The card: the top 3 of the same ranking, the same heatmap, and its link into the panel.
    assert browser["card_order"] == browser["overview_order"][:3], context
    assert browser["card_heatmap_by_hour"] == by_hour, context
    first = browser["card_order"][0]
    assert f"/integration-reliability/integration/{first}" in browser["card_link_url"], context
    assert browser["console_errors"] == [], context
    for name in ("overview", "integration", "engine", "overview-375px", "card"):
        assert (shots / f"{name}.png").stat().st_size > 10_000, name
    bad = offending_records(read_log(e2e_config))
    assert not bad, "hass log has problems from our integration:\n" + "\n\n".join(bad)
