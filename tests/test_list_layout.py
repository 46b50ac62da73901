"""Which layout of the invoice list a page builds: guessed from the request, then told by the browser."""

from __future__ import annotations

import pytest
from fastapi import Request
from nicegui.events import GenericEventArguments

from components.invoice_table import BOTH_LAYOUTS, ListLayout
from web.list_layout import EVENT, REPORT_LAYOUT, guessed_layouts, reported_layout

PIXEL = ("Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/130.0.0.0 Mobile Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPAD = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
        "Safari/605.1.15")


def _request(**headers: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "query_string": b"",
                    "headers": [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]})


@pytest.mark.parametrize(("headers", "expected"), [
    ({"sec_ch_ua_mobile": "?1", "user_agent": PIXEL}, {ListLayout.CARDS}),
    ({"sec_ch_ua_mobile": "?0", "user_agent": FIREFOX}, {ListLayout.TABLE}),
    ({"sec_ch_ua_mobile": "?0", "user_agent": PIXEL}, {ListLayout.TABLE}),  # Chromium's own hint counts first
    ({"user_agent": IPHONE}, {ListLayout.CARDS}),  # Safari sends no client hints
    ({"user_agent": FIREFOX}, {ListLayout.TABLE}),
    ({"user_agent": IPAD}, {ListLayout.TABLE}),  # a tablet is wide: the table (its report corrects a narrow one)
    ({"sec_ch_ua_mobile": "maybe", "user_agent": IPHONE}, {ListLayout.CARDS}),  # a malformed hint is no hint
    ({}, set(BOTH_LAYOUTS)),  # nothing to go by: both, and CSS shows one
])
def test_the_request_decides_the_first_layout(headers: dict[str, str], expected: set[ListLayout]) -> None:
    assert guessed_layouts(_request(**headers)) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ("table", ListLayout.TABLE), (["cards"], ListLayout.CARDS),
    ("both", None), ("", None), (None, None), (["table", "cards"], ListLayout.TABLE), ({"a": 1}, None), (7, None),
    ([], None),
])
def test_only_a_known_layout_counts_as_the_browsers_report(args: object, expected: ListLayout | None) -> None:
    event = GenericEventArguments(sender=None, client=None, args=args)  # type: ignore[arg-type]
    assert reported_layout(event) == expected


def test_the_browsers_script_reports_under_the_event_the_page_listens_to() -> None:
    # The script is a constant (no value is formatted into JavaScript), so it spells the name again.
    assert f"emitEvent('{EVENT}'" in REPORT_LAYOUT
    assert all(f"'{layout.value}'" in REPORT_LAYOUT for layout in ListLayout)
