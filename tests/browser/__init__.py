"""Acceptance tests in headless Chromium against the app on a live loopback server."""
