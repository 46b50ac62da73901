"""Who is acting, and from where: passed explicitly to every service that decides access."""

from __future__ import annotations

from dataclasses import dataclass

from data.types import Role


@dataclass(frozen=True)
class RequestInfo:
    """Where a request came from, for audit and throttling (never used for authorization)."""

    ip: str | None = None
    user_agent: str | None = None
    accept_language: str | None = None


@dataclass(frozen=True)
class Principal:
    """A signed-in user with a full (password + MFA) session."""

    user_id: int
    session_id: int
    session_hash: str
    email: str
    display_name: str
    role: Role
    customer_id: int | None
    request: RequestInfo = RequestInfo()
    locale: str = "en_US"
    timezone: str = "UTC"
    timezone_chosen: bool = False  # False: UTC until the browser tells us the user's zone

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def label(self) -> str:
        return self.display_name or self.email
