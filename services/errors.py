"""Domain errors raised by services; pages and routes translate them for people and clients."""


class PortalError(Exception):
    """Base of every error a service raises on purpose. The message is safe to show; `code` is a
    stable name a page or route can pass around (in a redirect) instead of the text."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code or type(self).__name__.lower()


class NotFound(PortalError):
    """The object does not exist or is not the principal's to see (the two look the same)."""


class Forbidden(PortalError):
    """The principal is known but may not do this."""


class LimitExceeded(PortalError):
    """A tier or rate limit stops the request."""


class InvalidInput(PortalError):
    """The input cannot be accepted; the message says what to fix."""


class Unavailable(PortalError):
    """The work cannot be done now (a document that fails to render); the message says what happened."""
