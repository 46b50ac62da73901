"""A user's recent exports: status, progress, and the download link while it is valid."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from nicegui import ui

from components.attributes import attrs
from data.types import ExportStatus
from services.documents.exports import ExportView

_STATUS_TEXT = {ExportStatus.QUEUED: "Waiting to start", ExportStatus.RUNNING: "Being prepared",
                ExportStatus.READY: "Ready", ExportStatus.FAILED: "Failed", ExportStatus.EXPIRED: "Link expired"}


def export_list(exports: Sequence[ExportView], format_time: Callable[[datetime], str]) -> None:
    if not exports:
        ui.label("No exports yet.").classes("portal-muted")
        return
    with ui.column().classes("w-full gap-2"):
        for export in exports:
            with ui.column().classes("w-full gap-1 p-3 rounded-lg border border-gray-200 bg-white"):
                with ui.row().classes("w-full items-center justify-between gap-2"):
                    with ui.column().classes("gap-0 min-w-0"):
                        ui.label(f"{export.kind.upper()} · {export.covers[:1].upper()}{export.covers[1:]}").classes(
                            "font-medium wrap-anywhere")
                        ui.label(f"{export.invoice_count:,} invoice{'s' * (export.invoice_count != 1)} · "
                                 f"{export.file_name} · asked for {format_time(export.created_at)}").classes(  # type: ignore[arg-type]
                            "text-sm portal-muted wrap-anywhere")
                    attrs(ui.label(_STATUS_TEXT[export.status] if export.background or export.status != ExportStatus.READY
                                   else "Downloaded").classes("text-sm portal-muted"),
                          {"data-export-status": export.status.value})
                if export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
                    share = export.progress / max(export.invoice_count, 1)
                    attrs(ui.linear_progress(value=share, show_value=False).props("size=10px rounded").classes("w-full"),
                          {"aria-label": f"Progress {round(share * 100)} percent"})
                    ui.label(f"{export.progress:,} of {export.invoice_count:,}").classes("text-xs portal-muted")
                elif export.status == ExportStatus.READY and export.background:
                    with ui.row().classes("items-center gap-3"):
                        ui.link("Download", f"/exports/{export.public_id}/download").classes(
                            "bg-primary text-white rounded px-4 py-1.5 no-underline font-medium")
                        size = f"{export.size_bytes / 1e6:,.1f} MB · " if export.size_bytes else ""
                        ui.label(f"{size}link valid until {format_time(export.expires_at)}").classes(  # type: ignore[arg-type]
                            "text-sm portal-muted")
                elif export.status == ExportStatus.FAILED:
                    ui.label(export.error or "The archive could not be built.").classes("text-sm text-red-800")
