"""The billing ledger's way in: event format, signature check, sources, exactly-once apply."""
