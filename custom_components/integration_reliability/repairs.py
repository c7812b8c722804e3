"""Repair issues: database trouble, and integrations that keep failing."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import AbortFlow, FlowResult
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .const import CONF_EXCLUDE_INTEGRATIONS, DOMAIN, EVENT_DEGRADED
from .coordinator import loaded_entries
from .heal import HealRefused
from .store import queries
from .store.core import Incident, StoreProblem

if TYPE_CHECKING:
    from .coordinator import (
        IntegrationReliabilityConfigEntry,
        IntegrationSummary,
        ReliabilityCoordinator,
    )

# A degraded integration's issue clears after this long without an outage.
HEALTHY_AFTER = timedelta(days=1)

_SEVERITY = {
    StoreProblem.CORRUPT_RECOVERED: ir.IssueSeverity.WARNING,
    StoreProblem.SCHEMA_TOO_NEW: ir.IssueSeverity.ERROR,
    StoreProblem.CONNECT_FAILED: ir.IssueSeverity.ERROR,
    StoreProblem.MIGRATION_FAILED: ir.IssueSeverity.ERROR,
    StoreProblem.JOURNAL_DAMAGED: ir.IssueSeverity.WARNING,
}
# Reports that describe something that happened, not a state: kept until dismissed.
_PERSISTENT = {StoreProblem.CORRUPT_RECOVERED, StoreProblem.JOURNAL_DAMAGED}

# The issue of the latest database incident (writes failing, queue overflowing).
INCIDENT_ISSUE_ID = "database_incident"


def store_issue_id(problem: StoreProblem) -> str:
    """Return the repair issue id of a database problem."""
    return f"database_{problem.value}"


def health_signal(entry_id: str) -> str:
    """Dispatcher signal: the engine's health changed (state, counters, incident)."""
    return f"{DOMAIN}_{entry_id}_health"


def _local_time(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return dt_util.as_local(dt_util.utc_from_timestamp(timestamp)).strftime("%Y-%m-%d %H:%M:%S")


class StoreProblemReporter:
    """Hands the engine's reports, made in its writer thread, to the event loop.

    Problems and incidents become repair issues; incidents also push the
    health sensors; commits refresh the coordinator.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._hass = hass
        self._entry_id = entry_id
        self.coordinator: ReliabilityCoordinator | None = None

    def on_problem(self, problem: StoreProblem, details: dict[str, str]) -> None:
        """Raise a repair issue; called from the writer thread."""
        self._hass.loop.call_soon_threadsafe(self._async_create_issue, problem, details)

    def on_problem_cleared(self, problem: StoreProblem) -> None:
        """Remove the repair issue; called from the writer thread."""
        self._hass.loop.call_soon_threadsafe(
            ir.async_delete_issue, self._hass, DOMAIN, store_issue_id(problem)
        )

    def on_committed(self, records: int) -> None:
        """Refresh the entities; called from the writer thread."""
        if self.coordinator is not None:
            self._hass.loop.call_soon_threadsafe(self.coordinator.async_schedule_refresh)

    def on_incident(self, incident: Incident) -> None:
        """Raise or update the incident's repair issue; from any thread."""
        self._hass.loop.call_soon_threadsafe(self._async_incident, incident)

    @callback
    def _async_create_issue(self, problem: StoreProblem, details: dict[str, str]) -> None:
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            store_issue_id(problem),
            is_fixable=False,
            is_persistent=problem in _PERSISTENT,
            severity=_SEVERITY[problem],
            translation_key=store_issue_id(problem),
            translation_placeholders=details,
        )

    @callback
    def _async_incident(self, incident: Incident) -> None:
        """One issue per incident, updated while it lasts and kept once it is over.

        It says what is happening and how many records are queued, dropped
        and spilled; the user dismisses it (its fix flow), or the next
        incident replaces it.
        """
        if incident.ended_at is not None:
            key = "database_incident_over"
        elif incident.error is None:
            key = "database_queue_overflow"
        else:
            key = "database_incident"
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            INCIDENT_ISSUE_ID,
            is_fixable=True,
            is_persistent=True,
            severity=ir.IssueSeverity.ERROR
            if incident.ended_at is None or incident.dropped
            else ir.IssueSeverity.WARNING,
            translation_key=key,
            translation_placeholders={
                "error": incident.error or "none",
                "started": _local_time(incident.started_at),
                "ended": _local_time(incident.ended_at),
                "queued": str(incident.queued),
                "dropped": str(incident.dropped),
                "spilled": str(incident.spilled),
            },
        )
        async_dispatcher_send(self._hass, health_signal(self._entry_id))


def degraded_issue_id(integration_id: str) -> str:
    """Return the repair issue id of a degraded integration."""
    return f"degraded_{integration_id}"


class DegradationTracker:
    """Raises a repair issue and a bus event when an integration keeps failing.

    An integration is degraded once its outages today reach the configured
    threshold; it is reported once per local day (a fixed or dismissed issue
    does not come back the same day). The issue clears itself once nothing
    is unavailable and the last outage started more than a day ago.
    """

    def __init__(self, hass: HomeAssistant, entry: IntegrationReliabilityConfigEntry) -> None:
        self._hass = hass
        self._entry = entry
        self._reported_on: dict[str, date] = {}

    @callback
    def async_update(self) -> None:
        """Compare the coordinator's snapshot with the threshold."""
        snapshot = self._entry.runtime_data.coordinator.data
        threshold = self._entry.runtime_data.settings.degraded_outages_per_day
        # "Today" is the snapshot's: a refresh may finish after midnight.
        today = dt_util.as_local(snapshot.taken_at).date()
        healthy_since = snapshot.taken_at - HEALTHY_AFTER
        registry = ir.async_get(self._hass)
        for integration_id, summary in snapshot.integrations.items():
            issue_id = degraded_issue_id(integration_id)
            if summary.outages_today >= threshold:
                if self._reported_on.get(integration_id) != today:
                    self._reported_on[integration_id] = today
                    self._entry.async_create_task(
                        self._hass, self._async_raise(summary), f"{DOMAIN} degraded"
                    )
            elif (
                summary.unavailable_now == 0
                and (summary.last_outage is None or summary.last_outage < healthy_since)
                and registry.async_get_issue(DOMAIN, issue_id) is not None
            ):
                ir.async_delete_issue(self._hass, DOMAIN, issue_id)

    def _title(self, integration_id: str, domain: str) -> str:
        target = self._hass.config_entries.async_get_entry(integration_id)
        return target.title if target else domain

    async def _async_evidence(self, integration_id: str) -> tuple[str, str]:
        """The latest daily insights about one integration: when, and with whom."""
        insights = await self._entry.runtime_data.store.async_run(
            partial(queries.latest_insights, period="day")
        )
        by_type = {insight["insight_type"]: insight["data"] for insight in insights}
        time_of_day = next(
            (
                finding["finding"]
                for finding in by_type.get("time_of_day", {}).get("findings", [])
                if finding["integration_id"] == integration_id
            ),
            "no time of day stands out yet",
        )
        partners = [
            self._title(other, domain)
            for pair in by_type.get("correlation", {}).get("pairs", [])
            if integration_id in pair["integrations"]
            for other, domain in zip(pair["integrations"], pair["domains"], strict=True)
            if other != integration_id
        ]
        return time_of_day, ", ".join(partners) or "none found"

    async def _async_raise(self, summary: IntegrationSummary) -> None:
        target = self._hass.config_entries.async_get_entry(summary.integration_id)
        title = self._title(summary.integration_id, summary.integration_domain)
        time_of_day, correlated = await self._async_evidence(summary.integration_id)
        availability = (
            "unknown"
            if summary.availability_24h is None
            else f"{summary.availability_24h * 100:.1f}"
        )
        placeholders = {
            "integration": title,
            "domain": summary.integration_domain,
            "outages": str(summary.outages_today),
            "availability": availability,
            "mttr": "unknown" if summary.mttr_7d is None else f"{summary.mttr_7d / 60:.1f}",
            "time_of_day": time_of_day,
            "correlated": correlated,
        }
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            degraded_issue_id(summary.integration_id),
            is_fixable=target is not None,
            severity=ir.IssueSeverity.WARNING,
            translation_key="integration_degraded",
            translation_placeholders=placeholders,
            data={"integration_id": summary.integration_id},
        )
        self._hass.bus.async_fire(
            EVENT_DEGRADED,
            {
                "integration_id": summary.integration_id,
                "integration_domain": summary.integration_domain,
                "title": title,
                "outages_today": summary.outages_today,
                "availability_24h": summary.availability_24h,
            },
        )


class DegradedIntegrationRepairFlow(RepairsFlow):
    """Offer to reload the integration now, or to stop monitoring it."""

    def __init__(self, integration_id: str) -> None:
        self._integration_id = integration_id

    def _own_entry(self) -> IntegrationReliabilityConfigEntry:
        if not (entries := loaded_entries(self.hass)):
            raise AbortFlow("not_loaded")
        return entries[0]

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> FlowResult:
        """Let the user choose."""
        return self.async_show_menu(step_id="init", menu_options=["reload", "ignore"])

    async def async_step_reload(self, user_input: dict[str, str] | None = None) -> FlowResult:
        """Heal the integration now; the outcome is recorded like any heal."""
        try:
            outcome = await self._own_entry().runtime_data.healer.async_heal(
                self._integration_id, trigger="repair"
            )
        except HealRefused as err:
            return self.async_abort(reason=f"heal_refused_{err.reason}")
        if not outcome.success:
            return self.async_abort(
                reason="heal_failed", description_placeholders={"error": outcome.error or ""}
            )
        return self.async_create_entry(data={})

    async def async_step_ignore(self, user_input: dict[str, str] | None = None) -> FlowResult:
        """Stop monitoring this config entry only (reloads this integration).

        Only the entry: one flaky ESPHome node must not silence the others.
        """
        entry = self._own_entry()
        excluded = set(entry.options.get(CONF_EXCLUDE_INTEGRATIONS, ()))
        excluded.add(self._integration_id)
        self.hass.config_entries.async_update_entry(
            entry, options={**entry.options, CONF_EXCLUDE_INTEGRATIONS: sorted(excluded)}
        )
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow of an incident (dismiss) or a degraded integration."""
    if issue_id == INCIDENT_ISSUE_ID:
        return ConfirmRepairFlow()
    assert data is not None
    return DegradedIntegrationRepairFlow(str(data["integration_id"]))
