"""Creating and finding user accounts."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from data import Customer, Role, User
from services.auth.passwords import check_new_password, hash_password
from services.errors import InvalidInput, NotFound
from services.localization.formatting import valid_locale, valid_timezone
from services.principal import Principal


def normalize_email(email: str) -> str:
    """E-mail addresses compare case-insensitively and without surrounding blanks."""
    return email.strip().lower()


def is_email_address(email: str) -> bool:
    """Whether `email` is an address mail can be sent to, by RFC 5321/5322 syntax as email-validator
    reads it (no quoted local parts, no control or bidi characters, a real domain form), at most
    254 characters; no DNS lookup."""
    try:
        validate_email(email, check_deliverability=False, allow_quoted_local=False, allow_domain_literal=False)
    except EmailNotValidError:
        return False
    return len(email) <= 254


def create_user(
    session: Session, *, email: str, role: Role, password: str, customer_ref: str | None = None,
    display_name: str = "",
) -> User:
    """A new active user; staff roles take no customer, customer roles need one."""
    email = normalize_email(email)
    if not is_email_address(email):
        raise InvalidInput(f"{email!r} is not an e-mail address")
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise InvalidInput(f"a user with e-mail {email} exists already")
    customer_id: int | None = None
    if role.is_staff:
        if customer_ref:
            raise InvalidInput(f"{role.value} is a staff role and belongs to no customer; drop --customer")
    else:
        if not customer_ref:
            raise InvalidInput(f"{role.value} is a customer role: name the customer with --customer")
        customer = session.exec(select(Customer).where(Customer.ref == customer_ref)).first()
        if customer is None:
            raise NotFound(f"no customer with reference {customer_ref!r}")
        customer_id = customer.id
    check_new_password(password)
    user = User(email=email, role=role, customer_id=customer_id, display_name=display_name.strip(),
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def set_preferences(db: Session, principal: Principal, *, locale: str | None = None, timezone: str | None = None) -> None:
    """Store the user's language/region and time zone; unknown values are refused."""
    user = db.get(User, principal.user_id)
    if user is None:
        raise NotFound("account not found")
    if locale is not None:
        checked = valid_locale(locale)
        if checked is None:
            raise InvalidInput(f"{locale!r} is not a known language and region.")
        user.locale = checked
    if timezone is not None:
        checked_zone = valid_timezone(timezone)
        if checked_zone is None:
            raise InvalidInput(f"{timezone!r} is not a known time zone.")
        user.timezone = checked_zone
    db.add(user)
    db.flush()
