"""The staff console's business: customers and tiers, user accounts, the audit viewer, access alerts,
ledger sync health, operational metrics and the console's summary. May import ledger, documents and
everything below them."""
