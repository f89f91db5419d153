"""Walk every URL the apps define, for every role, and check allowed / 403 / 404 / sign-in."""
import importlib

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from emgplan.tests.matrix import LOGIN, OK, ROLES, Scope

pytestmark = pytest.mark.django_db

PROJECT_APPS = [app for app in settings.INSTALLED_APPS if "." not in app and not app.startswith("django")]
# Django's own views are covered by Django: sign-in/out, the password reset by e-mail (for visitors: tested in
# accounts/tests/test_signin.py) and the admin (staff only); /healthz/ is public (emgplan/tests/test_health.py).
EXEMPT_NAMESPACES = {"admin"}
EXEMPT_NAMES = {"login", "logout", "password_reset", "password_reset_done", "password_reset_confirm",
                "password_reset_complete", "healthz", "favicon"}  # favicon: public, like the sign-in page


def _rules():
    rules = []
    for app in PROJECT_APPS:
        try:
            module = importlib.import_module(f"{app}.tests.matrix")
        except ModuleNotFoundError:
            continue
        rules.extend(module.RULES)
    return rules


RULES = _rules()


def _url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            if ns in EXEMPT_NAMESPACES:
                continue
            yield from _url_names(p, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}"


def test_every_url_has_a_rule():
    names = set(_url_names()) - EXEMPT_NAMES
    covered = {rule.url_name for rule in RULES}
    assert names - covered == set(), "URLs without a rule in <app>/tests/matrix.py"
    assert covered - names == set(), "rules for URLs that do not exist"


@pytest.fixture
def scope(demo_users, django_user_model):
    users = dict(demo_users)
    users["norole"] = django_user_model.objects.create_user("norole")
    return Scope(users)


def _classify(response):
    if response.status_code in (301, 302, 303):
        return LOGIN if response["Location"].startswith(reverse("login")) else OK
    if response.status_code < 300:
        return OK
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_permission(client, scope, rule, role):
    query = rule.query(scope) if callable(rule.query) else rule.query
    url = reverse(rule.url_name, args=rule.args(scope)) + (f"?{query}" if query else "")
    data = rule.data(scope)
    if role != "anonymous":
        client.force_login(scope.users[role] if role in scope.users else User.objects.get(username=role))
    if rule.method == "GET":
        response = client.get(url, headers=rule.headers)
    else:
        response = client.post(url, data, headers=rule.headers)
    assert _classify(response) == rule.outcome(role), f"{role} {rule.method} {url}"
