"""Money arithmetic in exact decimals; amounts are stored as integer minor units."""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

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


CURRENCY_SPACE = "\xa0"


def format_money(minor: int, currency: str, locale: str = "en_US") -> str:
    """`minor` shown as money for `locale`: '1.234,50 €' in de_DE, 'PLN 1,234.50' in en_US."""
    text = format_currency(to_decimal(minor, currency), currency, locale=locale)
    return _space_letter_symbol(text, get_currency_symbol(currency, locale=locale))


def _space_letter_symbol(text: str, symbol: str) -> str:
    """CLDR's currencySpacing, which Babel leaves out: a symbol that ends (or starts) with a letter,
    like 'PLN' or 'CHF', is kept apart from an adjacent digit by a no-break space ('PLN 12.00',
    not 'PLN12.00'); sign symbols like '€' stay attached."""
    at = text.find(symbol) if symbol else -1
    if at < 0:
        return text
    end = at + len(symbol)
    if end < len(text) and text[end].isdigit() and _is_letterish(symbol[-1]):
        text = text[:end] + CURRENCY_SPACE + text[end:]
    if at > 0 and text[at - 1].isdigit() and _is_letterish(symbol[0]):
        text = text[:at] + CURRENCY_SPACE + text[at:]
    return text


def _is_letterish(character: str) -> bool:
    # CLDR's currencyMatch [[:^S:]&[:^Z:]]: neither a symbol nor a separator
    return not unicodedata.category(character).startswith(("S", "Z"))
