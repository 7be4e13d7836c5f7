"""ISO 4217 minor units: parsing decimal text exactly, refusing what a currency cannot hold, formatting back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from revenue.errors import AmountError, CurrencyError, RevenueError
from revenue.money import CURRENCY_EXPONENTS, MAX_AMOUNT_MINOR, Money, currency_exponent, format_amount, parse_amount


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [
        ("JPY", 0),  # yen: no minor unit
        ("KRW", 0),  # won: no minor unit
        ("ISK", 0),  # krona: ISO lists 0 since 2007
        ("XOF", 0),  # CFA franc
        ("USD", 2),  # cents
        ("EUR", 2),
        ("GBP", 2),
        ("CNY", 2),  # fen
        ("BHD", 3),  # fils
        ("KWD", 3),
        ("JOD", 3),
        ("OMR", 3),  # baisa
        ("TND", 3),  # millimes
        ("CLF", 4),  # Chilean unit of account
        ("UYW", 4),
    ],
    ids=lambda v: str(v),
)
def test_currency_exponents(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent


def test_table_has_no_duplicates_and_only_known_exponents() -> None:
    assert set(CURRENCY_EXPONENTS.values()) == {0, 2, 3, 4}
    assert all(len(code) == 3 and code.isupper() for code in CURRENCY_EXPONENTS)
    assert len(CURRENCY_EXPONENTS) > 150


@pytest.mark.parametrize(
    "currency",
    [
        "XYZ",  # not a code
        "usd",  # codes are upper case
        "XAU",  # gold: a code without minor units is not money here
        "",  # empty
        None,  # not a string
    ],
    ids=["unknown", "lower-case", "no-minor-unit", "empty", "none"],
)
def test_unknown_currency_is_refused(currency) -> None:
    with pytest.raises(CurrencyError, match="unknown currency"):
        Money(1, currency)
    with pytest.raises(CurrencyError, match="ISO 4217"):
        parse_amount("1", currency)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.34", "USD", 1234),  # the usual case
        ("12", "USD", 1200),  # no decimals
        ("0.5", "USD", 50),  # fewer decimals than the currency has
        ("12.340", "USD", 1234),  # a trailing zero is not extra precision
        ("100", "JPY", 100),  # exponent 0
        ("100.00", "JPY", 100),  # ... zeros after the point are still exact
        ("1.234", "BHD", 1234),  # three decimals
        ("0.001", "KWD", 1),  # one fils
        ("1.2345", "CLF", 12345),  # four decimals
        (" 7.5 ", "EUR", 750),  # surrounding spaces are ignored
        (Decimal("9.99"), "EUR", 999),  # a Decimal from a JSON parser
        (Decimal("1E+2"), "JPY", 100),  # ... in exponent form
        (7, "KRW", 7),  # an int is whole major units
        ("90071992547409.91", "USD", 2**53 - 1),  # the largest amount: 2^53 - 1 minor units, exact
        ("9007199254740991", "JPY", 2**53 - 1),  # ... in yen
        ("000000000000000000000000000001.00", "USD", 100),  # leading zeros do not count towards the limit
        ("0", "USD", 0),  # zero is a valid amount
    ],
    ids=lambda v: str(v),
)
def test_parse_amount(text, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("12.345", "USD", "3 decimal places, expected at most 2 for USD"),  # over-precise
        ("1.5", "JPY", "expected at most 0 for JPY"),  # yen have no fractions
        ("1.0001", "BHD", "expected at most 3 for BHD"),  # a tenth of a fils
        (Decimal("0.001"), "USD", "expected at most 2"),  # over-precise Decimal
        ("-1", "USD", "negative"),  # negative
        ("-0.01", "EUR", "negative"),  # negative cents
        (-5, "JPY", "negative"),  # negative int
        (1.5, "USD", "floats are never money"),  # a float has already lost the exact value
        (True, "USD", "floats are never money|got bool"),  # bool is not an amount
        ("1e3", "USD", "not a plain decimal"),  # exponents in text
        ("1,000.00", "USD", "not a plain decimal"),  # separators
        ("+5", "USD", "not a plain decimal"),  # signs
        ("", "USD", "not a plain decimal"),  # empty
        (".5", "USD", "not a plain decimal"),  # no leading digit
        ("NaN", "USD", "not a plain decimal"),  # not a number
        (Decimal("NaN"), "USD", "not a finite number"),
        (Decimal("Infinity"), "USD", "not a finite number"),
        # 2^53 minor units and more: beyond what an I-JSON (RFC 7493) number, so RFC 8785, carries exactly
        ("90071992547409.92", "USD", "9,007,199,254,740,992 minor units.*too large: expected at most 9,007,199,254,740,991"),
        ("9007199254740992", "JPY", "expected at most 9,007,199,254,740,991"),
        ("123456789012345678901234.56", "USD", "expected at most"),  # far above
        ("9" * 5000, "USD", "expected at most"),  # longer than int() reads by default: still an AmountError
        (Decimal("1E+999999999"), "USD", "expected at most"),  # would be a billion digits as text
        (2**53, "JPY", "expected at most"),  # an int of whole yen
    ],
    ids=lambda v: str(v),
)
def test_parse_amount_refuses(text, currency: str, message: str) -> None:
    with pytest.raises(AmountError, match=message):
        parse_amount(text, currency)


@pytest.mark.parametrize(
    ("amount_minor", "message"),
    [
        (-1, "negative"),  # a revenue amount is never negative (corrections are the ledger's reversing entries)
        (1.0, "must be an int"),  # a float, even a whole one
        (True, "must be an int"),  # bool is an int subclass, not an amount
        ("100", "must be an int"),  # text must go through parse_amount
        (MAX_AMOUNT_MINOR + 1, "expected at most 9,007,199,254,740,991"),  # 2^53: over the limit
    ],
    ids=["negative", "float", "bool", "text", "over-the-limit"],
)
def test_money_is_valid_by_construction(amount_minor, message: str) -> None:
    with pytest.raises(AmountError, match=message):
        Money(amount_minor, "USD")


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (1234, "USD", "12.34"),
        (5, "USD", "0.05"),  # leading zeros of the minor part
        (0, "EUR", "0.00"),
        (100, "JPY", "100"),  # no decimal point without decimals
        (1, "BHD", "0.001"),
        (12345, "CLF", "1.2345"),
        (-7, "EUR", "-0.07"),  # statement totals after reversals may be negative
    ],
    ids=lambda v: str(v),
)
def test_format_amount(minor: int, currency: str, text: str) -> None:
    assert format_amount(minor, currency) == text
    if minor >= 0:
        assert parse_amount(text, currency).amount_minor == minor  # round trip
        assert str(Money(minor, currency)) == f"{text} {currency}"


def test_the_limit_is_2_to_the_53_minus_1() -> None:
    assert MAX_AMOUNT_MINOR == 2**53 - 1 == 9_007_199_254_740_991
    assert Money(MAX_AMOUNT_MINOR, "USD").to_decimal_string() == "90071992547409.91"  # 90 trillion dollars


def test_errors_share_one_base() -> None:
    for error in (AmountError, CurrencyError):
        assert issubclass(error, RevenueError)
