"""Money is exact: minor units in, minor units out, rounding only where an invoice rounds."""

from decimal import Decimal

import pytest

from services.errors import InvalidInput
from services.money import format_money, line_amounts, to_decimal, to_minor


def test_amounts_convert_to_minor_units_by_currency() -> None:
    assert to_minor("12.34", "EUR") == 1234
    assert to_minor("1234", "JPY") == 1234
    assert to_minor("1.234", "BHD") == 1234
    assert to_decimal(1234, "EUR") == Decimal("12.34")
    assert to_decimal(1234, "JPY") == Decimal("1234")


@pytest.mark.parametrize("amount", ["1.005", "0.001", "12.345"])
def test_amounts_finer_than_the_currency_are_refused(amount: str) -> None:
    with pytest.raises(InvalidInput, match="more decimals than EUR allows"):
        to_minor(amount, "EUR")


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", ""])
def test_non_amounts_are_refused_with_a_clear_error(amount: str) -> None:
    with pytest.raises(InvalidInput, match="is not an amount"):
        to_minor(amount, "EUR")


def test_float_arithmetic_errors_do_not_happen() -> None:
    # 0.1 + 0.2 in float is 0.30000000000000004; in minor units it is exactly 30.
    assert to_minor("0.1", "EUR") + to_minor("0.2", "EUR") == to_minor("0.3", "EUR")


def test_line_amounts_round_half_up_once_per_line() -> None:
    assert line_amounts(Decimal("1"), 1005, Decimal("10")) == (1005, 101, 1106)  # 100.5 → 101
    assert line_amounts(Decimal("0.5"), 1, Decimal("0")) == (1, 0, 1)  # 0.5 cent → 1
    assert line_amounts(Decimal("3"), 333, Decimal("19")) == (999, 190, 1189)


def test_money_is_formatted_for_the_locale_and_currency() -> None:
    assert format_money(123450, "EUR", "de_DE") == "1.234,50\xa0€"
    assert format_money(123450, "EUR", "en_US") == "€1,234.50"
    assert format_money(1234, "JPY", "ja_JP") == "￥1,234"


def test_a_letter_currency_symbol_keeps_a_space_from_the_digits() -> None:
    # CLDR's currencySpacing: "PLN 10,280,221.91", not "PLN10,280,221.91"; "€" and "US$" stay attached
    assert format_money(1028022191, "PLN", "en_US") == "PLN\xa010,280,221.91"
    assert format_money(-123450, "CHF", "en_GB") == "-CHF\xa01,234.50"
    assert format_money(123450, "PLN", "pl_PL") == "1\xa0234,50\xa0zł"
    assert format_money(123450, "USD", "en_GB") == "US$1,234.50"
    assert format_money(123450, "PLN", "de_DE") == "1.234,50\xa0PLN"
