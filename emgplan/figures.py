"""The one way figures are written, on pages and in the compiled reports: thousands separators, staff days to one
decimal only when there is a fraction, money to the cent. Imports no domain app."""
from decimal import Decimal


def fmt_days(value: str) -> str:
    d = Decimal(value)
    return f"{d:,.1f}" if d % 1 else f"{d:,.0f}"


def fmt_usd(value: str) -> str:
    return f"{Decimal(value):,.2f}"
