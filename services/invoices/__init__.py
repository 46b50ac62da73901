"""Invoices as customers see them: the list and its URL query, one invoice in full, statuses, and
customers' questions about invoices. May import auth, audit, config, localization and the shared
modules."""
