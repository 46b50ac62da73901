"""The one reader of filter values in URL parameters (the invoice list, the audit trail, the
metrics): a bad value is dropped with a sentence that says what was wrong, never fatal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from enum import Enum
from typing import TypeVar
from urllib.parse import quote, urlencode

E = TypeVar("E", bound=Enum)
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2199, 12, 31)


class ParamReader:
    """Reads texts, numbers, dates and choices out of query parameters (one value or several per
    name, as Starlette's and urllib's parsers give them), collecting a sentence per unusable value."""

    def __init__(self, params: Mapping[str, str] | Mapping[str, Sequence[str]]) -> None:
        self._values = {name: [value] if isinstance(value, str) else list(value) for name, value in params.items()}
        self.problems: list[str] = []

    def first(self, name: str) -> str:
        """The parameter's first value, stripped ('' when absent)."""
        values = self._values.get(name) or []
        return values[0].strip() if values else ""

    def every(self, name: str, limit: int) -> list[str]:
        """Up to `limit` values of a repeated parameter, stripped."""
        return [value.strip() for value in (self._values.get(name) or [])[:limit]]

    def text(self, name: str, limit: int) -> str:
        return self.first(name)[:limit]

    def number(self, name: str, label: str) -> int | None:
        text = self.first(name)
        if not text:
            return None
        if _is_whole(text) and len(text) <= 18:
            return int(text)
        self.problems.append(f"{label} “{text[:40]}” is not a number; it was ignored.")
        return None

    def bounded(self, name: str, label: str, default: int, minimum: int, maximum: int) -> int:
        """A whole number within the bounds, else the default (said so)."""
        text = self.first(name)
        if not text:
            return default
        if _is_whole(text) and len(text) <= 18 and minimum <= int(text) <= maximum:
            return int(text)
        self.problems.append(f"“{text[:40]}” is not a valid {label}; showing {default}.")
        return default

    def ids(self, name: str, limit: int, problem: str) -> list[int]:
        """Positive row ids of a repeated parameter, each once; `problem` ({value}) for the others."""
        found: list[int] = []
        for text in self.every(name, limit):
            if _is_whole(text) and 0 < int(text) < 2**31:
                found.append(int(text))
            else:
                self.problems.append(problem.format(value=text[:40]))
        return list(dict.fromkeys(found))

    def day(self, name: str, label: str) -> date | None:
        text = self.first(name)
        if not text:
            return None
        try:
            value = date.fromisoformat(text)
        except ValueError:
            self.problems.append(f"The {label} “{text[:40]}” is not a date (use YYYY-MM-DD); it was ignored.")
            return None
        if not EARLIEST_DATE <= value <= LATEST_DATE:
            self.problems.append(f"The {label} {text} is out of range; it was ignored.")
            return None
        return value

    def date_range(self, start_name: str = "from", end_name: str = "to") -> tuple[date | None, date | None]:
        """Both dates; swapped (with a note) when the start is after the end."""
        start, end = self.day(start_name, "start date"), self.day(end_name, "end date")
        if start and end and start > end:
            self.problems.append("The start date is after the end date; the dates were swapped.")
            return end, start
        return start, end

    def choice(self, name: str, allowed: tuple[str, ...], default: str, label: str) -> str:
        value = self.first(name) or default
        if value not in allowed:
            self.problems.append(f"{label} “{value[:40]}” is not one of {', '.join(a for a in allowed if a)}; "
                                 f"{'it was ignored' if not default else repr(default) + ' is used'}.")
            return default
        return value

    def member(self, name: str, kind: type[E], problem: str) -> E | None:
        """The enum member named by the parameter's value; None (and `problem`, {value}) otherwise."""
        text = self.first(name)
        return self._member(text, kind, problem) if text else None

    def members(self, name: str, kind: type[E], problem: str, allowed: Sequence[E] | None = None) -> list[E]:
        """Every member named by a repeated parameter, each once, within `allowed` when given."""
        found: list[E] = []
        for text in self.every(name, len(kind.__members__) * 2):
            member = self._member(text, kind, problem, allowed)
            if member is not None and member not in found:
                found.append(member)
        return found

    def _member(self, text: str, kind: type[E], problem: str, allowed: Sequence[E] | None = None) -> E | None:
        try:
            member = kind(text)
        except ValueError:
            member = None
        if member is None or (allowed is not None and member not in allowed):
            self.problems.append(problem.format(value=text[:40]))
            return None
        return member


def _is_whole(text: str) -> bool:
    return text.isascii() and text.isdigit()


def url_with_params(path: str, params: Mapping[str, str]) -> str:
    """`path` with the parameters as its query string (none: the bare path)."""
    return f"{path}?{urlencode(params)}" if params else path


def mailto_url(address: str, subject: str) -> str:
    """A mailto: link to one address with a subject, every part percent-encoded (RFC 6068), so that
    text from a customer (an invoice number, a subject) cannot add recipients, a `cc` or a body."""
    return f"mailto:{quote(address, safe='@')}?subject={quote(subject, safe='')}"
