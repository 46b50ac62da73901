"""Role checks shared by every service: one place decides who may do what."""

from __future__ import annotations

from data.types import Role
from services.errors import Forbidden
from services.principal import Principal


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("This needs a staff account.")


def require_admin(principal: Principal) -> None:
    if principal.role != Role.ADMIN:
        raise Forbidden("This needs an administrator.")
