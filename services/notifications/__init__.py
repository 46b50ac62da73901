"""Telling people what changed: alerts per user and preference (`alerts`), e-mail (`mailer`) and the
live event bus that open pages subscribe to (`live`). May import invoices and everything below it."""
