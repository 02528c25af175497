"""Each machine's production settings, with the defaults for machines whose owner changed nothing."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopfloor.models import DEFAULT_MIN_STOP_S, MachineSettings


def settings_for(session: Session, device_ids: Iterable[int]) -> dict[int, MachineSettings]:
    """The production settings of these machines of the current tenant; a machine without a stored row gets an
    unsaved row of defaults (not added to the session)."""
    wanted = list(dict.fromkeys(device_ids))
    found = {row.device_id: row for row in session.scalars(
        select(MachineSettings).where(MachineSettings.device_id.in_(wanted)))} if wanted else {}
    return {device_id: found.get(device_id) or MachineSettings(device_id=device_id, min_stop_s=DEFAULT_MIN_STOP_S,
                                                               count_cycles=False)
            for device_id in wanted}
