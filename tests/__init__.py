"""Tests of Integration Reliability."""
