"""Evidence links: only web addresses (http, https) are stored, and only those are ever shown as links."""
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

WEB_SCHEMES = ("http", "https")
_web_url = URLValidator(schemes=list(WEB_SCHEMES))


def evidence_link_lines(value: str) -> list[str]:
    """The links of an evidence field: one per line, blank lines dropped."""
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def is_web_link(link: str) -> bool:
    """True if the link is an http(s) address that a page may put in an href (javascript:, data: ... are not)."""
    try:
        scheme = urlsplit(link).scheme.lower()
    except ValueError:
        return False
    if scheme not in WEB_SCHEMES:
        return False
    try:
        _web_url(link)
    except ValidationError:
        return False
    return True


def validate_evidence_links(value: str) -> None:
    """Raise ValidationError naming the first line that is not an http(s) web address.

    On the model field, so that every path that saves a progress update (forms, services, the back
    office, commands) refuses a `javascript:` or `data:` link, not only the app's form.
    """
    for link in evidence_link_lines(value):
        if not is_web_link(link):
            raise ValidationError("“%(link)s” is not a web address (http:// or https://).",
                                  code="invalid_link", params={"link": link})
