"""The staff console's screens (admin and support): overview, customers, users, tiers, audit trail,
ledger sync, metrics and billing questions."""
