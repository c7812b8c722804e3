"""The Reliability sidebar panel and the dashboard card: static files and registration.

The built bundles live in `frontend/` inside the package (HACS installs them
as they are). They are served under one static path with long cache headers;
every URL carries `?v=<version>-<content hash>`, so a new bundle is fetched
as soon as it is installed. The card is added to the dashboards' resources
(storage mode) or loaded as an extra module (YAML mode, where resources are
the user's to edit).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Final

from homeassistant.components import frontend, panel_custom
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

FRONTEND_DIR: Final = Path(__file__).parent / "frontend"
STATIC_URL: Final = f"/{DOMAIN}_static"
PANEL_FILE: Final = "integration-reliability-panel.js"
CARD_FILE: Final = "integration-reliability-card.js"
PANEL_URL_PATH: Final = "integration-reliability"
PANEL_ELEMENT: Final = "integration-reliability-panel"
PANEL_TITLE: Final = "Reliability"
PANEL_ICON: Final = "mdi:chart-timeline-variant-shimmer"
_REGISTERED: Final = f"{DOMAIN}_static_registered"
# Lovelace's storage key for resources and its YAML mode name.
_LOVELACE: Final = "lovelace"
_MODE_STORAGE: Final = "storage"


def _file_hashes() -> dict[str, str]:
    """Short content hashes of the bundles (read in the executor)."""
    return {
        name: hashlib.sha256((FRONTEND_DIR / name).read_bytes()).hexdigest()[:12]
        for name in (PANEL_FILE, CARD_FILE)
    }


async def async_bundle_urls(hass: HomeAssistant) -> dict[str, str]:
    """The cache-busted URLs of the panel and the card bundles."""
    version = (await async_get_integration(hass, DOMAIN)).version
    hashes = await hass.async_add_executor_job(_file_hashes)
    return {name: f"{STATIC_URL}/{name}?v={version}-{digest}" for name, digest in hashes.items()}


async def async_register_panel(hass: HomeAssistant) -> None:
    """Serve the bundles, add the sidebar panel and the card resource.

    Home Assistant always runs its frontend; without it (a headless test
    instance) there is nothing to show the panel in.
    """
    if "frontend" not in hass.config.components:
        _LOGGER.debug("The frontend is not loaded: no Reliability panel")
        return
    urls = await async_bundle_urls(hass)
    if not hass.data.get(_REGISTERED):
        # A static path cannot be removed again: register it once per run.
        await hass.http.async_register_static_paths(
            [StaticPathConfig(STATIC_URL, str(FRONTEND_DIR), cache_headers=True)]
        )
        hass.data[_REGISTERED] = True
    if PANEL_URL_PATH not in hass.data.get(frontend.DATA_PANELS, {}):
        await panel_custom.async_register_panel(
            hass,
            frontend_url_path=PANEL_URL_PATH,
            webcomponent_name=PANEL_ELEMENT,
            sidebar_title=PANEL_TITLE,
            sidebar_icon=PANEL_ICON,
            module_url=urls[PANEL_FILE],
            # Every user may look; heal and purge check for an admin on the server.
            require_admin=False,
            config={"card_url": urls[CARD_FILE]},
        )
    await _async_register_card(hass, urls[CARD_FILE])


def async_unregister_panel(hass: HomeAssistant) -> None:
    """Remove the sidebar panel (the static path and the card stay, harmlessly)."""
    if PANEL_URL_PATH in hass.data.get(frontend.DATA_PANELS, {}):
        frontend.async_remove_panel(hass, PANEL_URL_PATH)


async def _async_register_card(hass: HomeAssistant, url: str) -> None:
    """Add the card's module to the dashboards' resources, or update our old entry."""
    lovelace = hass.data.get(_LOVELACE)
    resources = getattr(lovelace, "resources", None)
    if resources is None or getattr(lovelace, "mode", None) != _MODE_STORAGE:
        # YAML dashboards: resources are the user's file; load the card on every page.
        frontend.add_extra_js_url(hass, url)
        return
    if not resources.loaded:
        await resources.async_load()
        resources.loaded = True
    base = url.split("?", 1)[0]
    for item in resources.async_items():
        if item["url"].split("?", 1)[0] == base:
            if item["url"] != url:
                await resources.async_update_item(item["id"], {"url": url})
            return
    await resources.async_create_item({"res_type": "module", "url": url})
    _LOGGER.debug("Added %s to the dashboard resources", url)


async def async_remove_card(hass: HomeAssistant) -> None:
    """Remove the card's resource (when the integration is removed)."""
    lovelace = hass.data.get(_LOVELACE)
    resources = getattr(lovelace, "resources", None)
    if resources is None or getattr(lovelace, "mode", None) != _MODE_STORAGE:
        return
    if not resources.loaded:
        await resources.async_load()
        resources.loaded = True
    base = f"{STATIC_URL}/{CARD_FILE}"
    for item in list(resources.async_items()):
        if item["url"].split("?", 1)[0] == base:
            await resources.async_delete_item(item["id"])
