"""Recorder-style storage engine of the integration (no Home Assistant imports)."""
