"""Telling people what changed: alerts per user and preference (`alerts`) and e-mail (`mailer`); the
live events open pages follow are `services.live_events`. May import invoices and everything below it."""
