"""Receiving readings, after the request was authenticated and parsed: check them, store them and commit,
on the path the request allows. Every ingest format comes through here (web.ingesting.receive)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from telemetry.group_commit import GroupCommitter
from telemetry.ingest import IngestOutcome, counted, plan_ingest, store_plan
from telemetry.ingest_sources import IngestSource, credential_live
from telemetry.packing import may_touch_blocks
from telemetry.readings import ParseResult
from telemetry.store_pg import DeviceWrite, store_all_committed
from tenants.db import Database


@dataclass(frozen=True)
class Storage:
    """Where a request's readings can go: the database, the request's session (`session()` opens it on first
    use; `session_open` says whether it already was), and the process's group committer, if one is on."""

    db: Database
    session: Callable[[], Session]
    session_open: bool
    committer: GroupCommitter | None = None


def store_readings(storage: Storage, source: IngestSource, parsed: ParseResult,
                   received_at: datetime) -> IngestOutcome | None:
    """Store the parsed readings and commit them (what a 2xx answer promises); None when the credential turned
    out revoked (nothing stored). A device token's readings on PostgreSQL, when the request has not opened a
    session (its credential was cached), take the session-free path: one round trip that also checks the
    credential; everything else goes through the ORM session."""
    lean = source.kind == "device" and not storage.session_open and storage.db.dialect == "postgresql"
    plan = plan_ingest(None if lean else storage.session(), source, parsed, received_at)
    if lean and not plan.reported and not may_touch_blocks(plan.rows, received_at):
        write = DeviceWrite(source.tenant_id, source.credential_id, plan.rows, received_at)
        committer = storage.committer
        accepted = committer.store(write) if committer else store_all_committed(storage.db.unpinged_engine,
                                                                                 [write])[0]
        return None if accepted is None else counted(plan, accepted)
    session = storage.session()
    if lean and not credential_live(session, source.credential_id):  # the source may be a minute old
        return None
    outcome = store_plan(session, plan, received_at)
    session.commit()
    return outcome
