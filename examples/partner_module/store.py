"""The module's only state: a JSON file of installations, deleted installation ids and seen event ids.

Every change happens under one lock and is written atomically (temporary file + os.replace), so a
crash never leaves a half-written file and two requests never interleave their changes.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

SEEN_EVENTS_KEPT = 1000
DELETED_IDS_KEPT = 1000
HISTORY_KEPT = 50

Mutation = Callable[[dict], None]


class InstallationStore:
    """Installations by id ("12" -> {"token", "api_base", "tenant", ...}) in a JSON file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._data: dict | None = None

    def get(self, installation_id: int) -> dict | None:
        """A copy of the stored installation, or None when unknown or deleted."""
        with self._lock:
            record = self._loaded()["installations"].get(str(installation_id))
            return json.loads(json.dumps(record)) if record is not None else None

    def apply_event(self, event_id: str, change: Mutation) -> bool:
        """Apply `change` to the stored data once per event id; False when the id was seen before.

        The check, the change and the write happen under the lock, so a retry racing the first
        delivery is still applied only once."""
        with self._lock:
            data = self._loaded()
            if event_id in data["seen_events"]:
                return False
            change(data)
            data["seen_events"] = (data["seen_events"] + [event_id])[-SEEN_EVENTS_KEPT:]
            self._save(data)
            return True

    def update(self, change: Mutation) -> None:
        """Apply `change` to the stored data and write it (for changes that are safe to repeat)."""
        with self._lock:
            data = self._loaded()
            change(data)
            self._save(data)

    def _loaded(self) -> dict:
        if self._data is None:
            self._data = self._read()
        return self._data

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {}
        data.setdefault("installations", {})
        data.setdefault("deleted", [])
        data.setdefault("seen_events", [])
        return data

    def _save(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_path = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as temp_file:
                json.dump(data, temp_file, indent=2, sort_keys=True)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            os.replace(temp_path, self.path)
        except BaseException:
            Path(temp_path).unlink(missing_ok=True)
            raise


def save_token(data: dict, installation: dict, token: str, api_base: str) -> None:
    """Store (overwrite) the installation's token and API base, unless it was deleted already
    (a late retry of installation.created must not bring a deleted installation back)."""
    key = str(installation["id"])
    if key in data["deleted"] or not token:
        return
    record = data["installations"].setdefault(key, {})
    record.update(token=token, api_base=api_base.rstrip("/"), tenant=installation.get("tenant") or {},
                  scopes=installation.get("scopes") or [], device_ids=installation.get("device_ids") or [],
                  status=installation.get("status", "active"))


def forget(data: dict, installation_id: int) -> None:
    """Drop the installation and its token, and remember that it is gone."""
    key = str(installation_id)
    data["installations"].pop(key, None)
    if key not in data["deleted"]:
        data["deleted"] = (data["deleted"] + [key])[-DELETED_IDS_KEPT:]


def remember(data: dict, installation_id: int, history: str, entry: dict) -> None:
    """Append `entry` to one of the installation's bounded histories (daily summaries, state changes)."""
    key = str(installation_id)
    if key in data["deleted"]:
        return
    record = data["installations"].setdefault(key, {})
    record[history] = (record.get(history, []) + [entry])[-HISTORY_KEPT:]


def save_report(data: dict, installation_id: int, report: dict) -> None:
    """Keep the installation's latest idle-waste report (shown on the launch page)."""
    record = data["installations"].get(str(installation_id))
    if record is not None:
        record["last_report"] = report
