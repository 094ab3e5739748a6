"""Opening hours from clinic.yaml (bot/hours.py): read in the clinic's time zone, bad settings refused clearly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.hours import HoursError, parse_hours
from bot.knowledge import KnowledgeError, load_clinic

HOURS = "mon-fri 09:00-12:30, 13:30-18:00; sat 10:00-14:00"


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        ("2026-12-01T15:00:00+00:00", True),  # Tuesday 09:00 in Chicago (UTC-6)
        ("2026-12-01T14:59:00+00:00", False),  # 08:59
        ("2026-12-01T18:45:00+00:00", False),  # 12:45, the lunch break
        ("2026-12-02T00:00:00+00:00", False),  # Tuesday 18:00 in Chicago: closing time is closed
        ("2026-12-05T17:00:00+00:00", True),  # Saturday 11:00
        ("2026-12-06T17:00:00+00:00", False),  # Sunday
    ],
)
def test_open_in_the_clinics_time_zone(moment, open_):
    hours = parse_hours(HOURS, "America/Chicago")
    assert hours.is_open(datetime.fromisoformat(moment)) is open_


def test_empty_hours_leave_it_to_staff_presence():
    assert parse_hours("", "Europe/London") is None


def test_all_day_with_24_00():
    hours = parse_hours("mon-sun 00:00-24:00", "UTC")
    assert hours.is_open(datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC))


@pytest.mark.parametrize(
    ("hours", "zone", "says"),
    [
        ("mon-fri 09:00-18:00", "Mars/Olympus", "not a time zone"),
        ("monday 09:00-18:00", "UTC", "is not a day"),
        ("fri-mon 09:00-18:00", "UTC", "runs backwards"),
        ("mon-fri 9am-6pm", "UTC", "not a time range"),
        ("mon-fri 18:00-09:00", "UTC", "closes before it opens"),
        ("mon-fri 25:00-26:00", "UTC", "does not exist"),
        ("mon-fri", "UTC", "needs days and times"),
    ],
)
def test_bad_settings_say_what_to_write(hours, zone, says):
    with pytest.raises(HoursError, match=says):
        parse_hours(hours, zone)


def test_clinic_yaml_with_bad_hours_is_reported(knowledge_dir):
    path = knowledge_dir / "clinic.yaml"
    path.write_text(path.read_text().replace('hours: "mon-fri', 'hours: "weekdays'))
    with pytest.raises(KnowledgeError, match="is not a day"):
        load_clinic(knowledge_dir)


def test_shipped_clinic_has_machine_readable_hours(knowledge_dir):
    clinic = load_clinic(knowledge_dir)
    assert clinic.opening_hours.startswith("Monday to Friday")  # the display text stays
    assert parse_hours(clinic.hours, clinic.time_zone) is not None
