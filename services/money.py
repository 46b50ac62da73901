"""Money arithmetic in exact decimals; amounts are stored as integer minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision

from services.errors import InvalidInput

HUNDRED = Decimal(100)


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point for `currency` (EUR 2, JPY 0, BHD 3)."""
    return get_currency_precision(currency.upper())


def to_decimal(minor: int, currency: str) -> Decimal:
    """Minor units (cents) to a Decimal amount in major units."""
    return Decimal(minor).scaleb(-currency_exponent(currency))


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """A major-unit amount to minor units; refuses amounts finer than the currency allows."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise InvalidInput(f"{amount!r} is not an amount") from error
    if not value.is_finite():
        raise InvalidInput(f"{amount!r} is not an amount")
    scaled = value.scaleb(currency_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidInput(f"{amount} {currency} has more decimals than {currency} allows")
    return int(scaled)


def round_minor(value: Decimal) -> int:
    """Round an amount already in minor units to a whole minor unit, half away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_amounts(quantity: Decimal, unit_price_minor: int, tax_rate_percent: Decimal) -> tuple[int, int, int]:
    """(net, tax, total) in minor units for one line: net and tax each rounded once."""
    net = round_minor(quantity * unit_price_minor)
    tax = round_minor(Decimal(net) * tax_rate_percent / HUNDRED)
    return net, tax, net + tax


def format_money(minor: int, currency: str, locale: str = "en_US") -> str:
    """`minor` shown as money for `locale` (e.g. '1.234,50 €' in de_DE)."""
    return format_currency(to_decimal(minor, currency), currency, locale=locale)
