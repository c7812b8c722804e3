"""Tests of the storage engine (no Home Assistant instance)."""
