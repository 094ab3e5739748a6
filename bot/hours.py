"""The clinic's opening hours as the bot reads them: `hours` and `time_zone` in clinic.yaml.

    time_zone: Europe/London
    hours: "mon-fri 09:00-18:00; sat 10:00-14:00"

Each part (separated by ";") names days (`mon`, `mon-fri`, `mon,wed,fri`) and one or more times
(`09:00-12:30, 13:30-18:00`). A day not named is closed. `opening_hours` stays the text visitors read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIME_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


class HoursError(ValueError):
    """A `hours` or `time_zone` setting the bot cannot read; the message says what to write instead."""


@dataclass(frozen=True)
class OpeningHours:
    time_zone: ZoneInfo
    # For each weekday (Monday first), the (opens, closes) ranges; closes is after opens on the same day.
    week: tuple[tuple[tuple[time, time], ...], ...]

    def is_open(self, now: datetime) -> bool:
        """Whether the clinic is open at `now` (an aware datetime, in any zone)."""
        local = now.astimezone(self.time_zone)
        moment = local.time().replace(tzinfo=None)
        return any(opens <= moment < closes for opens, closes in self.week[local.weekday()])


def _day_numbers(spec: str) -> set[int]:
    numbers: set[int] = set()
    for item in spec.split(","):
        first, _, last = item.strip().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise HoursError(
                f"'{item.strip()}' is not a day: use mon, tue, wed, thu, fri, sat, sun or a range like mon-fri"
            )
        start, end = DAYS.index(first), DAYS.index(last or first)
        if end < start:
            raise HoursError(f"'{item.strip()}' runs backwards: write the earlier day first")
        numbers.update(range(start, end + 1))
    return numbers


def _time_range(text: str) -> tuple[time, time]:
    match = TIME_RANGE.match(text.strip())
    if not match:
        raise HoursError(f"'{text.strip()}' is not a time range: write it like 09:00-18:00")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise HoursError(f"'{text.strip()}' has a time that does not exist")
    opens, closes = time(h1, m1), time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if closes <= opens:
        raise HoursError(f"'{text.strip()}' closes before it opens (hours past midnight are not supported)")
    return opens, closes


def parse_hours(hours: str, time_zone: str) -> OpeningHours | None:
    """The clinic's hours, or None when `hours` is empty (then only staff presence decides)."""
    try:
        zone = ZoneInfo(time_zone.strip() or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise HoursError(f"time_zone '{time_zone}' is not a time zone: write one like Europe/London") from None
    if not hours.strip():
        return None
    week: list[list[tuple[time, time]]] = [[] for _ in DAYS]
    for part in filter(None, (p.strip().lower() for p in hours.split(";"))):
        days, _, times = part.partition(" ")
        if not times.strip():
            raise HoursError(f"'{part}' needs days and times, like mon-fri 09:00-18:00")
        ranges = [_time_range(text) for text in times.split(",")]
        for day in _day_numbers(days):
            week[day].extend(ranges)
    return OpeningHours(zone, tuple(tuple(sorted(ranges)) for ranges in week))
