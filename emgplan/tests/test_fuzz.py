"""Every URL of the site, as every role, with malformed ids and query parameters: never a 500.

The URL patterns are read from the URLconf (the admin is Django's and left out), path arguments get sample
ids (real, absent and out of range) and odd strings, and each page is asked with query parameters that are
NUL bytes, words where numbers belong, fractions and very long numbers; forms are posted the same values.
"""
import itertools

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from emgplan.tests.matrix import ROLES

pytestmark = pytest.mark.django_db

SKIP_NAMESPACES = {"admin"}
SKIP_POST = {"logout"}  # would end the session the walk runs in
INT_SAMPLES = [1, 3, 99999999999999999999]
STR_SAMPLES = ["x", "up", "down", "pdf", "docx", "xlsx", "csv", "\x00", "1.5", "%00"]
PARAMS = ["q", "page", "milestone", "activity", "parent", "accomplishment", "meeting", "member", "lead_body",
          "status", "year", "o", "state", "show", "next", "as_of", "kind", "health", "arrange", "fmt", "date"]
# Roles that get past the permission checks of most pages get every malformed value; the others the first two.
FULL_ROLES = {"secretariat", "biodiversity-lead", "unido-focal"}
BAD_VALUES = ["\x00", "abc", "1.5", "-1", "9" * 30, "１", "a\x00b", "[]"]


def _patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if p.namespace in SKIP_NAMESPACES:
                continue
            yield from _patterns(p, f"{namespace}{p.namespace}:" if p.namespace else namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", p


def _samples(name, pattern):
    converters = getattr(pattern.pattern, "converters", {})
    keys = list(converters) or list(pattern.pattern.regex.groupindex)
    if not keys:
        return [reverse(name)]
    choices = [INT_SAMPLES if isinstance(converters.get(key), IntConverter) else STR_SAMPLES for key in keys]
    urls = []
    for values in itertools.product(*choices):
        try:
            urls.append(reverse(name, kwargs=dict(zip(keys, values, strict=True))))
        except NoReverseMatch:
            continue
    return sorted(set(urls))[:12]


URLS = sorted({(name, url) for name, p in _patterns() for url in _samples(name, p)})


def test_the_walk_covers_the_site():
    names = {name for name, _ in URLS}
    assert len(names) >= 50 and {"activities:update-create", "overview:search", "reports:download",
                                 "healthz", "accounts:lockout-list"} <= names


def _queries():
    yield ""
    for value in BAD_VALUES:
        yield "&".join(f"{param}={value}" for param in PARAMS)


@pytest.mark.parametrize("role", ROLES)
def test_no_500_anywhere(demo_users, role, settings, tmp_path, django_user_model):
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    user = None
    if role == "norole":
        user = django_user_model.objects.create_user("norole")
    elif role != "anonymous":
        user = demo_users[role]
    failures = []
    queries = list(_queries())
    for name, url in URLS:
        if user is not None:
            client.force_login(user)
        if name.endswith("pdf") or name in ("reports:retry",):
            chosen = queries[:2]  # rendering is slow; the query checks are the same
        elif role not in FULL_ROLES:
            chosen = queries[:3]  # mostly refused before any parameter is read
        else:
            chosen = queries
        for query in chosen:
            response = client.get(f"{url}?{query}" if query else url)
            if response.status_code >= 500:
                failures.append(f"GET {url}?{query[:40]} -> {response.status_code}")
        if name in SKIP_POST:
            continue
        for value in ("\x00", "abc", "9" * 30):
            data = {param: value for param in PARAMS} | {
                "narrative": value, "text": value, "title": value, "symbol": value, "username": value,
                "role": value, "lead_bodies": value, "members": value, "period_start": value, "version": value}
            response = client.post(url, data)
            if response.status_code >= 500:
                failures.append(f"POST {url} {value[:5]!r} -> {response.status_code}")
    assert failures == [], "\n".join(failures)
