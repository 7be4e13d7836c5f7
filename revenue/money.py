"""Amounts of money as whole ISO 4217 minor units: never floats.

A :class:`Money` is an integer count of minor units (cents, fils, yen) and a currency code whose
exponent comes from the ISO 4217 table below (JPY 0, USD 2, BHD 3, CLF 4). Decimal text goes in
through :func:`parse_amount`, which refuses anything the currency cannot represent exactly, and
comes back out through :func:`format_amount`. An amount is at most :data:`MAX_AMOUNT_MINOR`
(2^53 - 1) minor units: the largest integer every JSON reader holds exactly (RFC 7493, I-JSON), so
the largest a canonical (RFC 8785) ledger record can carry as a number. That is 90 trillion US
dollars; a larger amount is refused with AmountError, never rounded.

>>> parse_amount("12.34", "USD")
Money(amount_minor=1234, currency='USD')
>>> parse_amount("1.005", "BHD").to_decimal_string()
'1.005'
>>> str(Money(100, "JPY"))
'100 JPY'
>>> parse_amount("12.345", "USD")
Traceback (most recent call last):
...
revenue.errors.AmountError: amount '12.345' has 3 decimal places, expected at most 2 for USD (no fractions of a minor unit)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from revenue.errors import AmountError, CurrencyError

# ISO 4217 minor-unit exponents of the active codes (list one, funds codes included; precious
# metals, SDR and the test codes have no minor unit and are not money here). Everything not
# listed under 0, 3 or 4 has two decimals.
_EXPONENT_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_EXPONENT_3 = "BHD IQD JOD KWD LYD OMR TND"
_EXPONENT_4 = "CLF UYW"
_EXPONENT_2 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD "
    "CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS "
    "GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL "
    "MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK "
    "PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS "
    "TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)

CURRENCY_EXPONENTS: dict[str, int] = {
    code: exponent
    for exponent, codes in ((0, _EXPONENT_0), (2, _EXPONENT_2), (3, _EXPONENT_3), (4, _EXPONENT_4))
    for code in codes.split()
}
"""ISO 4217 code -> number of decimal places of its minor unit."""

MAX_AMOUNT_MINOR = 2**53 - 1
"""The largest amount, in minor units: 9,007,199,254,740,991 (I-JSON's largest exact integer)."""
_MAX_DIGITS = len(str(MAX_AMOUNT_MINOR))

_AMOUNT = re.compile(r"(?P<whole>[0-9]+)(?:\.(?P<fraction>[0-9]+))?")


def currency_exponent(currency: str) -> int:
    """The number of decimal places of ``currency``'s minor unit; CurrencyError when unknown.

    >>> currency_exponent("JPY"), currency_exponent("EUR"), currency_exponent("KWD")
    (0, 2, 3)
    """
    try:
        return CURRENCY_EXPONENTS[currency]
    except (KeyError, TypeError):
        raise CurrencyError(
            f"unknown currency {currency!r}: expected an upper-case ISO 4217 code with minor units "
            "(e.g. USD, JPY, BHD)"
        ) from None


@dataclass(frozen=True, slots=True)
class Money:
    """A non-negative whole number of minor units of one ISO 4217 currency."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        currency_exponent(self.currency)
        if type(self.amount_minor) is not int:
            raise AmountError(
                f"amount_minor must be an int count of minor units, got {type(self.amount_minor).__name__}"
            )
        if self.amount_minor < 0:
            raise AmountError(f"amount is negative ({self.amount_minor} minor units), expected zero or more")
        if self.amount_minor > MAX_AMOUNT_MINOR:
            raise AmountError(_too_large(f"{self.amount_minor:,} minor units"))

    @property
    def exponent(self) -> int:
        return CURRENCY_EXPONENTS[self.currency]

    def to_decimal_string(self) -> str:
        """The amount in major units, with exactly the currency's number of decimals."""
        return format_amount(self.amount_minor, self.currency)

    def __str__(self) -> str:
        return f"{self.to_decimal_string()} {self.currency}"


def parse_amount(text: str | int | Decimal, currency: str) -> Money:
    """Read a decimal amount in major units ("12.34") as :class:`Money`.

    Accepted: digits with an optional decimal point, as many decimals as the currency has (trailing
    zeros beyond that are fine: "12.340" USD is 1234 cents). Refused with AmountError: negative
    amounts, fractions of a minor unit, exponents, signs, separators, NaN, and floats (a float has
    already lost the exact value).

    >>> parse_amount("100", "JPY").amount_minor, parse_amount("0.5", "USD").amount_minor
    (100, 50)
    """
    exponent = currency_exponent(currency)
    if isinstance(text, bool) or not isinstance(text, str | int | Decimal):
        raise AmountError(
            f"amount must be decimal text, an int or a Decimal, got {type(text).__name__} (floats are never money)"
        )
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise AmountError(f"amount {text!s} is not a finite number")
        if text.adjusted() >= _MAX_DIGITS:  # checked before writing out what could be a billion digits
            raise AmountError(_too_large(f"{text!s} {currency}"))
        text = format(text, "f")
    elif isinstance(text, int):
        text = str(text)
    stripped = text.strip()
    if stripped.startswith("-"):
        raise AmountError(f"amount {text!r} is negative, expected zero or more")
    match = _AMOUNT.fullmatch(stripped)
    if match is None:
        raise AmountError(f"amount {text!r} is not a plain decimal number like '12.34'")
    fraction = (match["fraction"] or "").rstrip("0")
    if len(fraction) > exponent:
        raise AmountError(
            f"amount {text!r} has {len(match['fraction'])} decimal places, expected at most {exponent} "
            f"for {currency} (no fractions of a minor unit)"
        )
    whole = match["whole"].lstrip("0")
    if len(whole) > _MAX_DIGITS:  # checked before int(), which refuses very long text with a ValueError
        raise AmountError(_too_large(f"{whole[:20]}... {currency} ({len(whole):,} digits)"))
    minor = int(whole or "0") * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    if minor > MAX_AMOUNT_MINOR:
        raise AmountError(_too_large(f"{stripped} {currency} ({minor:,} minor units)"))
    return Money(minor, currency)


def _too_large(what: str) -> str:
    return (f"amount {what} is too large: expected at most {MAX_AMOUNT_MINOR:,} minor units "
            "(2^53 - 1, the largest integer a canonical JSON record carries exactly)")


def format_amount(amount_minor: int, currency: str) -> str:
    """Minor units as a decimal string in major units; negative totals keep their sign.

    >>> format_amount(1234, "USD"), format_amount(5, "BHD"), format_amount(-7, "EUR"), format_amount(100, "JPY")
    ('12.34', '0.005', '-0.07', '100')
    """
    exponent = currency_exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, part = divmod(abs(amount_minor), 10**exponent)
    return f"{sign}{whole}.{part:0{exponent}d}" if exponent else f"{sign}{whole}"
