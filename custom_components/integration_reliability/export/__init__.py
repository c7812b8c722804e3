"""Optional InfluxDB export of events and rollups (SPEC.md §12).

The SQL engine stays the source of truth: what it commits is handed to an
exporter with its own bounded queue, which writes line protocol to InfluxDB
over Home Assistant's shared aiohttp session. Everything below `manager.py`
is free of Home Assistant imports.
"""
