"""Test support: databases, mail server and HTTP helpers shared by the suites."""
