"""The tamper-evident audit trail (`chain`: append and verify), recording to it (`trail`), and the
access monitor that watches each recorded row (`monitor`). May import config and the shared modules."""
