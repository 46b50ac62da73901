""""Today" for a person: the calendar date in their time zone decides what is due or overdue."""

from datetime import date, datetime
from zoneinfo import ZoneInfo


def today_for(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()
