"""Money, dates and times for a person: in their locale and their time zone (Babel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton, format_time, get_datetime_format
from babel.numbers import format_decimal, format_percent

from services.money import format_money

DEFAULT_LOCALE = "en_US"
DEFAULT_TIMEZONE = "UTC"
# The languages offered in settings (any locale Babel knows is accepted from the browser).
OFFERED_LOCALES = ("en_US", "en_GB", "de_DE", "de_CH", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "sv_SE",
                   "el_GR", "ru_RU", "ja_JP", "zh_CN", "hi_IN")


def valid_locale(value: str | None) -> str | None:
    """The canonical name of a locale Babel knows (`de-de` → `de_DE`), else None."""
    if not value or len(value) > 35:
        return None
    try:
        return str(Locale.parse(value.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def valid_timezone(value: str | None) -> str | None:
    """An IANA time zone name the system knows, else None."""
    if not value or len(value) > 64 or value not in _timezones():
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def timezone_choices() -> list[str]:
    return sorted(_timezones())


def locale_from_accept_language(header: str | None) -> str:
    """The first locale of an Accept-Language header that Babel knows; en_US otherwise."""
    for part in (header or "").split(",")[:10]:
        candidate = valid_locale(part.split(";")[0].strip())
        if candidate and "_" in candidate:
            return candidate
        if candidate:  # a bare language ("de"): take its most likely country
            likely = Locale.parse(candidate)
            return str(likely) if likely.territory else {"de": "de_DE", "fr": "fr_FR", "en": "en_US"}.get(
                candidate, candidate)
    return DEFAULT_LOCALE


def locale_label(code: str) -> str:
    locale = Locale.parse(code)
    return f"{locale.get_display_name(locale)} ({code})"


@dataclass(frozen=True)
class Formatter:
    """Formats for one person; pages pass `formatter.money` etc. to components."""

    locale: str = DEFAULT_LOCALE
    timezone: str = DEFAULT_TIMEZONE

    def month(self, value: date) -> str:
        """A month by name and year, as the locale writes it ("Nov 2026", "Nov. 2026")."""
        return format_skeleton("yMMM", value, locale=self.locale)

    def money(self, minor: int, currency: str) -> str:
        return format_money(minor, currency, self.locale)

    def date(self, value: date) -> str:
        return format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: datetime, *, seconds: bool = False) -> str:
        """Date and time in the person's zone; to the minute unless `seconds` (logs where order matters)."""
        zone = ZoneInfo(self.timezone)
        if seconds:
            return format_datetime(value, format="medium", tzinfo=zone, locale=self.locale)
        return str(get_datetime_format("medium", locale=self.locale)).format(
            format_time(value, format="short", tzinfo=zone, locale=self.locale), self.date(value.astimezone(zone)))

    def quantity(self, value: Decimal) -> str:
        return format_decimal(value.normalize() if value == value.to_integral() else value, locale=self.locale)

    def percent(self, value: Decimal) -> str:
        return format_percent(value / 100, format="#,##0.###%", locale=self.locale)
