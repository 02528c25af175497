"""Devices, ingest, reading storage, rollups and analytics."""
