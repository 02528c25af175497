"""Test support: databases, mail server and HTTP helpers shared by the suites."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
"""tests/fixtures: the device payload cases (devices/cases.json) and the reference machine trace
(reference/), copied from the design's shared folder so that a clone alone runs the suite."""
