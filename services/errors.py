"""Domain errors raised by services; pages and routes translate them for people and clients."""


class PortalError(Exception):
    """Base of every error a service raises on purpose. The message is safe to show."""


class NotFound(PortalError):
    """The object does not exist or is not the principal's to see (the two look the same)."""


class Forbidden(PortalError):
    """The principal is known but may not do this."""


class LimitExceeded(PortalError):
    """A tier or rate limit stops the request."""


class InvalidInput(PortalError):
    """The input cannot be accepted; the message says what to fix."""
