"""Staff: ledger sync health per source and the quarantine of events that could not be applied."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from nicegui import run, ui

from components.attributes import attrs
from components.headings import page_heading, section_heading
from components.notice import notice
from components.tables import cell, chip, data_table, table_row
from data.types import Role
from services.errors import PortalError
from services.ledger.pipeline import replay
from services.staff.sync_health import Health, flagged_events, quarantined_events, source_health
from web.dependencies import PortalRuntime
from web.layout import signed_in_frame
from web.viewer_format import formatter_for

HEALTH_TONES = {Health.HEALTHY: "good", Health.PUSH: "good", Health.STALE: "warn", Health.FAILING: "bad",
                Health.NEVER: "neutral"}
SOURCE_HEADERS = ("Source", "Kind", "Health", "Last success", "Lag", "Last error", "Failures in a row",
                  "Events applied", "In quarantine")
QUARANTINE_HEADERS = ("Received", "Source", "Event", "Type", "Why it was refused", "")
FLAGGED_HEADERS = ("Received", "Source", "Event", "Type", "What to look at")


def describe_lag(lag: timedelta | None) -> str:
    """A short human duration: 42 s, 5 min, 3 h 10 min, 2 days."""
    if lag is None:
        return "—"
    seconds = int(lag.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400 * 2:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} days"


def ledger_page(request: Request, runtime: PortalRuntime) -> None:
    with signed_in_frame(request, "Ledger sync") as (principal, guard):
        fmt = formatter_for(principal)
        is_admin = principal.role == Role.ADMIN
        page_heading("Ledger sync", "How the billing ledger's events reach the portal, and the events that could "
                     "not be applied.")

        @ui.refreshable
        def sources() -> None:
            with runtime.unit_of_work() as db:
                rows = source_health(db, principal, runtime.settings)
            if not rows:
                notice("No ledger source is configured and nothing was pushed yet (see docs/LEDGER.md).", "info")
                return
            with data_table("Ledger sources", SOURCE_HEADERS):
                for row in rows:
                    with table_row():
                        cell(row.name).classes("font-mono")
                        cell(row.kind)
                        with cell():
                            chip(row.health.value, HEALTH_TONES[row.health])
                        cell(fmt.datetime(row.last_success_at) if row.last_success_at else "never",
                             ).classes("whitespace-nowrap")
                        cell(describe_lag(row.lag))
                        cell(f"{row.last_error} ({fmt.datetime(row.last_error_at)})" if row.last_error and
                             row.last_error_at else row.last_error or "—")
                        cell(str(row.consecutive_failures))
                        cell(f"{row.events_applied:,}")
                        cell(str(row.quarantined))

        @ui.refreshable
        def quarantine() -> None:
            with runtime.unit_of_work() as db:
                events = quarantined_events(db, principal)
            if not events:
                notice("Nothing is waiting in quarantine.", "positive")
                return
            ui.label("Fix the cause (say, create the missing customer), then replay the event. Events that are wrong "
                     "in themselves must be corrected in the ledger and sent again with a new id.").classes(
                "text-sm portal-muted")
            with data_table("Events in quarantine", QUARANTINE_HEADERS):
                for event in events:
                    with table_row():
                        cell(fmt.datetime(event.received_at, seconds=True)).classes("whitespace-nowrap")
                        cell(event.source).classes("font-mono")
                        # wide enough for "Payload" and a readable id (break-all alone squeezed it to a letter a line)
                        with cell().classes("font-mono break-all min-w-64"):
                            ui.label(event.event_id)
                            with ui.expansion("Payload").classes("text-xs"):
                                ui.code(event.payload_preview).classes("text-xs max-w-md whitespace-pre-wrap")
                        cell(event.event_type or "?").classes("font-mono")
                        cell(event.reason or "")
                        with cell():
                            if is_admin:
                                attrs(ui.button("Replay", icon="replay", on_click=lambda e=event: replay_event(e.id))
                                      .props("flat dense no-caps"), {"aria-label": f"Replay event {event.event_id}"})

        def flagged() -> None:
            with runtime.unit_of_work() as db:
                events = flagged_events(db, principal)
            if not events:
                notice("No applied event needs a look: no invoice was paid more than its total.", "positive")
                return
            ui.label("These events were applied as the ledger sent them; check them with the customer or in the "
                     "ledger (a refund or a credit may be due).").classes("text-sm portal-muted")
            with data_table("Applied events to look at", FLAGGED_HEADERS):
                for event in events:
                    with table_row():
                        cell(fmt.datetime(event.received_at, seconds=True)).classes("whitespace-nowrap")
                        cell(event.source).classes("font-mono")
                        cell(event.event_id).classes("font-mono break-all min-w-64")
                        cell(event.event_type or "?").classes("font-mono")
                        with cell():
                            chip(event.flag, "warn")
                            ui.label(event.note or "").classes("text-sm")

        async def replay_event(inbox_id: int) -> None:
            try:
                reason = await run.io_bound(replay, runtime, principal, inbox_id)
            except PortalError as error:
                ui.notify(str(error), type="negative")
                return
            if reason is None:
                ui.notify("The event was applied.", type="positive")
            else:
                ui.notify(f"Still refused: {reason}", type="warning", multi_line=True)
            sources.refresh()
            quarantine.refresh()

        with ui.row().classes("w-full items-center"):
            section_heading("Sources")
            ui.space()
            ui.button("Refresh", icon="refresh", on_click=lambda: (sources.refresh(), quarantine.refresh())).props(
                "flat no-caps")
        sources()
        section_heading("Quarantine")
        quarantine()
        section_heading("Applied, to look at")
        flagged()
        guard.timer(10.0, sources.refresh)
