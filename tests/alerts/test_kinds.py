"""Each alert kind opens when its rule holds and closes when it no longer does; time is driven by `now`."""
from datetime import datetime, timedelta

from telemetry import alerts
from telemetry import plant as plant_settings
from telemetry.analytics import Shift
from tenants.scoping import tenant_context
from tests.alerts.conftest import BASE, ZONE, alert_rows, evaluate, now_utc, open_kinds, post, set_device, store


def test_offline_opens_after_ten_minutes_of_silence_and_back_online_closes_it(db, plant):
    last = store(db, plant, "lathe", BASE, [500] * 11)  # every minute: 3 × 60 s is below the 10 minute floor

    assert evaluate(db, last + timedelta(minutes=9)).opened == 0
    assert evaluate(db, last + timedelta(minutes=11)).opened == 1
    [view] = alert_rows(db, plant)
    assert (view.device_name, view.alert.kind, view.alert.closed_at) == ("lathe", "offline", None)
    assert view.alert.opened_at == last + timedelta(minutes=11)
    assert view.alert.details["silent_s"] == 660 and view.alert.details["threshold_s"] == 600

    assert evaluate(db, last + timedelta(minutes=30)).opened == 0, "still offline: the same alert stays open"
    back = store(db, plant, "lathe", last + timedelta(minutes=31), [500])
    summary = evaluate(db, back + timedelta(seconds=30))
    assert (summary.opened, summary.closed) == (0, 1)
    [view] = alert_rows(db, plant)
    assert view.alert.closed_at == back + timedelta(seconds=30)
    assert open_kinds(db, plant) == set()


def test_offline_waits_three_usual_intervals_the_median_gap_of_recent_readings(db, plant):
    # every 5 minutes, with one burst of quick retries that must not shorten the usual interval
    stamps = [BASE + timedelta(minutes=5 * i) for i in range(8)] + [BASE + timedelta(minutes=35, seconds=10)]
    for ts in stamps:
        store(db, plant, "lathe", ts, [500])
    last = stamps[-1]

    assert evaluate(db, last + timedelta(minutes=14)).opened == 0, "3 × 5 min = 15 min"
    assert evaluate(db, last + timedelta(minutes=16)).opened == 1
    assert alert_rows(db, plant)[0].alert.details["threshold_s"] == 900


def test_without_enough_readings_the_usual_interval_is_the_max_gap(db, plant):
    set_device(db, plant, "lathe", max_gap_s=400)
    last = store(db, plant, "lathe", BASE, [500])

    assert evaluate(db, last + timedelta(minutes=19)).opened == 0, "3 × 400 s = 20 min"
    assert evaluate(db, last + timedelta(minutes=21)).opened == 1


def test_a_machine_never_heard_from_is_not_offline(db, plant):
    assert evaluate(db, BASE + timedelta(days=1)).opened == 0


def test_power_above_rated_opens_and_closes(db, client, plant):
    now = now_utc()
    post(client, plant, "press", [(now - timedelta(seconds=60), 1900), (now - timedelta(seconds=30), 2500)])
    post(client, plant, "lathe", [(now - timedelta(seconds=30), 9000)])  # no rated power: never above it

    assert evaluate(db, now).opened == 1
    [view] = alert_rows(db, plant)
    assert (view.device_name, view.alert.kind) == ("press", "over_rated")
    assert view.alert.details == {"power_w": 2500, "rated_w": 2000}

    post(client, plant, "press", [(now - timedelta(seconds=10), 1500)])
    assert evaluate(db, now + timedelta(seconds=20)).closed == 1
    assert open_kinds(db, plant) == set()


def _set_shifts(db, plant, shifts):
    with tenant_context(plant.tenant_id), db.session() as session:
        plant_settings.set_shifts(session, shifts)


def test_running_outside_shifts_only_when_shifts_are_set(db, client, plant):
    now = now_utc()
    post(client, plant, "lathe", [(now - timedelta(seconds=30), 3000)])  # running
    post(client, plant, "press", [(now - timedelta(seconds=30), 500)])  # idle: not running

    assert evaluate(db, now).opened == 0, "no shift calendar: every hour is planned"
    other_day = (now.astimezone(ZONE).weekday() + 3) % 7
    _set_shifts(db, plant, [{"weekday": other_day, "start": "08:00", "end": "16:00"}])
    assert evaluate(db, now).opened == 1
    assert open_kinds(db, plant) == {("lathe", "outside_shift")}

    _set_shifts(db, plant, [{"weekday": now.astimezone(ZONE).weekday(), "start": "00:00", "end": "24:00"}])
    assert evaluate(db, now + timedelta(seconds=5)).closed == 1, "now inside a shift"
    assert open_kinds(db, plant) == set()


def test_running_outside_shifts_closes_when_the_machine_stops(db, client, plant):
    now = now_utc()
    post(client, plant, "lathe", [(now - timedelta(seconds=30), 3000)])
    _set_shifts(db, plant, [{"weekday": (now.astimezone(ZONE).weekday() + 3) % 7, "start": "08:00", "end": "09:00"}])
    evaluate(db, now)
    post(client, plant, "lathe", [(now - timedelta(seconds=5), 0)])
    assert evaluate(db, now).closed == 1


def _idle_limit(db, plant, limit, unit="kwh"):
    with tenant_context(plant.tenant_id), db.session() as session:
        alerts.set_idle_limit(session, limit, unit)


def test_idle_waste_above_the_daily_limit_opens_and_ends_with_the_day(db, plant):
    store(db, plant, "lathe", BASE, [500] * 120)  # idle for two hours: 1 kWh
    store(db, plant, "press", BASE, [3000] * 120)  # running: no idle waste
    end = BASE + timedelta(hours=2)

    assert evaluate(db, end).opened == 0, "off by default"
    _idle_limit(db, plant, 0.5)
    assert evaluate(db, end).opened == 1
    [view] = alert_rows(db, plant)
    assert (view.device_name, view.alert.kind) == ("lathe", "idle_waste")
    assert view.alert.details["idle_waste_wh"] == 1000
    assert view.alert.details["day"] == end.astimezone(ZONE).date().isoformat()
    assert evaluate(db, end + timedelta(minutes=1)).opened == 0

    next_day = datetime.combine(end.astimezone(ZONE).date() + timedelta(days=1), datetime.min.time(), ZONE)
    evaluate(db, next_day + timedelta(minutes=1))
    assert ("lathe", "idle_waste") not in open_kinds(db, plant), "a new day starts with no waste"


def test_idle_waste_limit_in_money_uses_the_tariff(db, plant):
    store(db, plant, "lathe", BASE, [500] * 120)
    with tenant_context(plant.tenant_id), db.session() as session:
        plant_settings.set_tariff(session, 0.30)
    end = BASE + timedelta(hours=2)
    _idle_limit(db, plant, 0.50, "money")  # 1 kWh × 0.30 = 0.30: below
    assert evaluate(db, end).opened == 0
    _idle_limit(db, plant, "0,25", "money")
    assert evaluate(db, end).opened == 1
    details = alert_rows(db, plant)[0].alert.details
    assert details["unit"] == "money" and details["currency"] == "EUR"
    assert abs(details["idle_waste_cost"] - 0.30) < 1e-6


def test_retired_machine_alerts_close(db, plant):
    last = store(db, plant, "lathe", BASE, [500] * 5)
    evaluate(db, last + timedelta(hours=1))
    assert open_kinds(db, plant) == {("lathe", "offline")}
    set_device(db, plant, "lathe", status="retired")
    assert evaluate(db, last + timedelta(hours=1, minutes=1)).closed == 1


def test_messages_describe_each_kind(db, plant):
    last = store(db, plant, "lathe", BASE, [500] * 3)
    evaluate(db, last + timedelta(minutes=42))
    view = alert_rows(db, plant)[0]
    msgid, params = alerts.message_of(view)
    assert msgid % params == "lathe is offline: no reading for 42 minutes."
    msgid, params = alerts.message_of(view, closed=True)
    assert msgid % params == "lathe is back online."


def test_shift_rule_reads_the_calendar_in_the_company_zone():
    from telemetry.alert_rules import in_shift
    from telemetry.analytics import ShiftCalendar

    calendar = ShiftCalendar((Shift(0, "22:00", "06:00"),))  # Monday night shift
    monday_late = datetime(2026, 5, 4, 23, 30, tzinfo=ZONE)
    tuesday_noon = datetime(2026, 5, 5, 12, 0, tzinfo=ZONE)
    assert in_shift(calendar, ZONE, monday_late) and not in_shift(calendar, ZONE, tuesday_noon)
    assert in_shift(ShiftCalendar(), ZONE, tuesday_noon), "no shifts: always planned"
