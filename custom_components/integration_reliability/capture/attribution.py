"""Whose an entity is: entity -> config entry -> integration, and its context.

`Attributor` keeps one cached answer per entity id, so the state-change path
costs one dict look-up: an `Attribution`, or None for an entity deliberately
not monitored (this integration's own entry, excluded integrations, domains
or entity patterns). Entities outside the entity registry (YAML platforms)
are attributed once through `entity_sources`, to their platform's domain.

It also keeps `tracked_entities` current (device, area, device class,
platform) as the entity, device and area registries change, and turns an
entity registry update into what it means for an outage: renamed, ended
(removed, excluded, disabled) or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.entity import entity_sources
from homeassistant.util import dt as dt_util

from ..settings import ReliabilitySettings
from ..store.core import ReliabilityStore
from ..store.records import TrackedEntityRecord

ENDED_REMOVED: Final = "entity_removed"
ENDED_EXCLUDED: Final = "entity_excluded"
ENDED_DISABLED: Final = "entity_disabled"


def entity_area_name(hass: HomeAssistant, entry: er.RegistryEntry) -> str | None:
    """The name of the entity's area, or else of its device's."""
    area_id = entry.area_id
    if area_id is None and entry.device_id is not None:
        device = dr.async_get(hass).async_get(entry.device_id)
        area_id = device.area_id if device is not None else None
    area = ar.async_get(hass).async_get_area(area_id) if area_id is not None else None
    return area.name if area is not None else None


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who an entity belongs to."""

    integration_id: str
    integration_domain: str


@dataclass(frozen=True, slots=True)
class RegistryVerdict:
    """What an entity registry update means for the entity's outage."""

    renamed_from: str | None = None
    ended_by: str | None = None


_NOTHING: Final = RegistryVerdict()


class Attributor:
    """The attribution cache and the entity context kept in `tracked_entities`."""

    def __init__(
        self,
        hass: HomeAssistant,
        settings: ReliabilitySettings,
        store: ReliabilityStore,
        *,
        own_entry_id: str,
    ) -> None:
        self._hass = hass
        self._settings = settings
        self._store = store
        self._own_entry_id = own_entry_id
        # entity_id -> attribution, or None for an entity we deliberately ignore:
        # a miss is then a single dict look-up too.
        self._attr: dict[str, Attribution | None] = {}
        # Integration id -> domain, for every integration seen.
        self.domains: dict[str, str] = {}

    def monitors(self, integration_id: str, domain: str, entity_id: str = "") -> bool:
        """Whether events of this integration (and entity) are recorded."""
        settings = self._settings
        if integration_id == self._own_entry_id or settings.excludes_entity(entity_id):
            return False
        return settings.monitors(integration_id, domain)

    def seen(self, integration_id: str, domain: str) -> None:
        """Remember an integration's domain."""
        self.domains[integration_id] = domain

    def build(self) -> None:
        """Attribute every registered entity once; record their context."""
        self._attr.clear()
        for entry in er.async_get(self._hass).entities.values():
            attribution = self._attribution_of(entry)
            self._attr[entry.entity_id] = attribution
            if attribution is not None and entry.disabled_by is None:
                self.seen(attribution.integration_id, attribution.integration_domain)
                self.track(entry)

    def get(self, entity_id: str) -> Attribution | None:
        """Cached attribution; entities outside the registry via `entity_sources`."""
        try:
            return self._attr[entity_id]
        except KeyError:
            pass
        info = entity_sources(self._hass).get(entity_id)
        attribution: Attribution | None = None
        if info is not None:
            domain = info["domain"]
            integration_id = info.get("config_entry") or domain
            if self.monitors(integration_id, domain, entity_id):
                attribution = Attribution(integration_id, domain)
                self.seen(integration_id, domain)
        self._attr[entity_id] = attribution
        return attribution

    def _attribution_of(self, entry: er.RegistryEntry) -> Attribution | None:
        integration_id = entry.config_entry_id or entry.platform
        if not self.monitors(integration_id, entry.platform, entry.entity_id):
            return None
        return Attribution(integration_id, entry.platform)

    # ------------------------------------------------------------ registries

    def entity_updated(self, data: er.EventEntityRegistryUpdatedData) -> RegistryVerdict:
        """Follow an entity registry change; say what it means for an outage."""
        entity_id = data["entity_id"]
        if data["action"] == "remove":
            attribution = self._attr.pop(entity_id, None)
            if attribution is not None:
                self._store.track_entity(
                    TrackedEntityRecord(
                        entity_id=entity_id,
                        integration_id=attribution.integration_id,
                        integration_domain=attribution.integration_domain,
                        platform=attribution.integration_domain,
                        removed_at=dt_util.utcnow().timestamp(),
                    )
                )
            return RegistryVerdict(ended_by=ENDED_REMOVED)
        entry = er.async_get(self._hass).async_get(entity_id)
        if entry is None:
            return _NOTHING
        renamed_from: str | None = None
        if data["action"] == "update" and "old_entity_id" in data:
            renamed_from = data["old_entity_id"]
            self._attr.pop(renamed_from, None)
        attribution = self._attribution_of(entry)
        self._attr[entity_id] = attribution
        if attribution is None:
            return RegistryVerdict(renamed_from, ENDED_EXCLUDED)
        self.seen(attribution.integration_id, attribution.integration_domain)
        if entry.disabled_by is not None:
            return RegistryVerdict(renamed_from, ENDED_DISABLED)
        self.track(entry)
        return RegistryVerdict(renamed_from) if renamed_from else _NOTHING

    def device_updated(self, data: dr.EventDeviceRegistryUpdatedData) -> None:
        """A device renamed or moved: refresh its entities' context."""
        if data["action"] != "update":
            return
        registry = er.async_get(self._hass)
        for entry in er.async_entries_for_device(
            registry, data["device_id"], include_disabled_entities=False
        ):
            self.track(entry)

    def area_updated(self, data: ar.EventAreaRegistryUpdatedData) -> None:
        """An area renamed: refresh the context of entities in it."""
        if data["action"] != "update":
            return
        area_id = data["area_id"]
        ent_reg = er.async_get(self._hass)
        seen: set[str] = set()
        for entry in er.async_entries_for_area(ent_reg, area_id):
            seen.add(entry.entity_id)
            self.track(entry)
        for device in dr.async_entries_for_area(dr.async_get(self._hass), area_id):
            for entry in er.async_entries_for_device(ent_reg, device.id):
                if entry.entity_id not in seen:
                    self.track(entry)

    def track(self, entry: er.RegistryEntry) -> None:
        """Queue an upsert of the entity's context (device, area, class, platform)."""
        attribution = self._attr.get(entry.entity_id)
        if attribution is None:
            return
        device = (
            dr.async_get(self._hass).async_get(entry.device_id)
            if entry.device_id is not None
            else None
        )
        device_name = (device.name_by_user or device.name) if device is not None else None
        self._store.track_entity(
            TrackedEntityRecord(
                entity_id=entry.entity_id,
                integration_id=attribution.integration_id,
                integration_domain=attribution.integration_domain,
                platform=entry.platform,
                device_id=entry.device_id,
                device_name=device_name,
                area=entity_area_name(self._hass, entry),
                device_class=entry.device_class or entry.original_device_class,
                first_seen=dt_util.utcnow().timestamp(),
            )
        )
