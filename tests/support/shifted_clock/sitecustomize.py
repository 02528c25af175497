"""The test run with the clock moved ahead: with this folder on PYTHONPATH and TEST_CLOCK_SHIFT_DAYS
set, every Python process of the run (pytest, and the servers it starts: localstripe, the sample
partner module, gunicorn) starts its wall clock that many days ahead, still ticking (time-machine).
Monotonic clocks and sleeps stay real. `.ci/run` uses it to show that no test depends on the day."""
import os
from datetime import UTC

_days = os.environ.get("TEST_CLOCK_SHIFT_DAYS", "").strip()
if _days:
    from datetime import datetime, timedelta

    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(days=float(_days)), tick=True).start()
