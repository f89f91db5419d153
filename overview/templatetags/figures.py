"""The one way figures are written on pages, the same as in the compiled reports: thousands separators,
staff days to one decimal only when there is a fraction, money to the cent ("2,500.50"; with "code": "2,500.50 USD").
Empty values stay empty, for the template to say "—" or nothing."""
from decimal import Decimal, InvalidOperation

from django import template

from emgplan.figures import fmt_days, fmt_usd

register = template.Library()


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def days(value):
    d = _decimal(value)
    return "" if d is None else fmt_days(str(d))


@register.filter
def usd(value, code=""):
    d = _decimal(value)
    if d is None:
        return ""
    return f"{fmt_usd(str(d))} USD" if code else fmt_usd(str(d))
