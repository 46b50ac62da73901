"""The billing ledger's way in: event format, signature check, sources, exactly-once apply and the
pipeline that notifies after commit. May import notifications, invoices and everything below them."""
