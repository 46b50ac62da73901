"""Reading filter values from URL parameters: bad values are dropped and explained, never fatal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import urlencode


class ParamReader:
    """Reads numbers and dates out of query parameters, collecting a sentence per unusable value."""

    def __init__(self, params: Mapping[str, str]) -> None:
        self.params = params
        self.problems: list[str] = []

    def text(self, name: str, limit: int) -> str:
        return self.params.get(name, "").strip()[:limit]

    def number(self, name: str, label: str) -> int | None:
        text = self.params.get(name, "").strip()
        if not text:
            return None
        if text.isascii() and text.isdigit() and len(text) <= 18:
            return int(text)
        self.problems.append(f"{label} {text[:40]!r} is not a number; it was ignored.")
        return None

    def day(self, name: str, label: str) -> date | None:
        text = self.params.get(name, "").strip()
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            self.problems.append(f"{label} {text[:40]!r} is not a date (YYYY-MM-DD); it was ignored.")
            return None

    def date_range(self, start_name: str = "from", end_name: str = "to") -> tuple[date | None, date | None]:
        """Both dates; swapped (with a note) when the start is after the end."""
        start, end = self.day(start_name, "Start date"), self.day(end_name, "End date")
        if start and end and start > end:
            self.problems.append("The start date is after the end date; the dates were swapped.")
            return end, start
        return start, end

    def choice(self, name: str, allowed: tuple[str, ...], default: str, label: str) -> str:
        value = self.params.get(name, "").strip() or default
        if value not in allowed:
            self.problems.append(f"{label} {value[:40]!r} is not one of {', '.join(a for a in allowed if a)}; "
                                 f"{'it was ignored' if not default else repr(default) + ' is used'}.")
            return default
        return value


def url_with_params(path: str, params: Mapping[str, str]) -> str:
    """`path` with the parameters as its query string (none: the bare path)."""
    return f"{path}?{urlencode(params)}" if params else path
