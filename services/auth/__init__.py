"""Who may sign in and what they may do: passwords, TOTP, recovery codes, sessions, throttling,
permissions (roles bounded by tiers), sign-in, a user's own account, user accounts and a customer's
team. May import audit, config, localization and the shared modules."""
