"""The business: everything the portal does, with no knowledge of the web or of NiceGUI.

One package per domain, layered (each may import those below it, never above; pyproject.toml's
import-linter contracts check it): operations → demo → staff → ledger | documents → notifications →
invoices → auth → audit → config | localization. Below them all, the shared vocabulary as plain
modules: `errors` (domain errors), `principal` (who acts, from where), `money`, `csv_text`,
`url_params` and `live_events` (the event bus open pages follow; each Runtime has its own).
Services import `data`, never `nicegui`, `fastapi` or anything of the web."""
