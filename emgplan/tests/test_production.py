"""Production settings: HTTPS headers, secure cookies and the Content-Security-Policy on pages and downloads."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse

from accomplishments.models import Meeting
from activities.models import EvidenceFile, Milestone
from activities.tests.factories import ProgressUpdateFactory
from reports.models import Report

pytestmark = pytest.mark.django_db

# What deploy/production.env.example turns on, as settings.
PRODUCTION = {
    "DEBUG": False,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "STORAGES": {**django_settings.STORAGES,
                 "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
}
BEHIND_PROXY = {"HTTP_X_FORWARDED_PROTO": "https"}


def _assert_hardened(response):
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@override_settings(**PRODUCTION)
def test_plain_http_is_redirected_to_https(client, seed_plan):
    response = client.get(reverse("login"))
    assert response.status_code == 301 and response["Location"] == "https://testserver/accounts/login/"


@override_settings(**PRODUCTION)
def test_sign_in_page_and_cookies_are_hardened_behind_the_proxy(client, demo_users):
    page = client.get(reverse("login"), **BEHIND_PROXY)
    assert page.status_code == 200
    _assert_hardened(page)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    signed_in = client.post(reverse("login"), {"username": "chair", "password": "emg-demo-2014"}, **BEHIND_PROXY)
    assert signed_in.status_code == 302
    session = signed_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    _assert_hardened(client.get(reverse("activities:plan"), **BEHIND_PROXY))


@override_settings(**PRODUCTION)
def test_evidence_download_carries_the_same_headers(client_as, demo_users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    update = ProgressUpdateFactory(author=demo_users["secretariat"], milestone=Milestone.objects.first())
    evidence = EvidenceFile(update=update, original_name="minutes.pdf", content_type="application/pdf", size=9)
    evidence.file.save("minutes.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    response = client_as("secretariat").get(reverse("activities:evidence-download", args=[evidence.pk]),
                                            **BEHIND_PROXY)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4\n"
    _assert_hardened(response)


@override_settings(**PRODUCTION)
def test_report_download_carries_the_same_headers(client_as, demo_users, seed_plan, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    meeting = Meeting.objects.get(code="SOM20")
    report = Report.objects.create(work_plan=seed_plan, meeting=meeting, as_of="2014-09-01", symbol="EMG/SOM.20/3",
                                   issued_on="2014-09-20", requested_by=demo_users["chair"], state="ready")
    report.pdf.save("EMG-SOM-20-3.pdf", ContentFile(b"%PDF-1.7\n"), save=True)
    response = client_as("chair").get(reverse("reports:download", args=[report.pk, "pdf"]), **BEHIND_PROXY)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.7\n"
    _assert_hardened(response)


def test_csp_is_sent_in_development_too(client_as):
    """The browser tests then run under the same policy, so an inline script or style would show there."""
    assert "script-src 'self'" in client_as("viewer").get(reverse("activities:plan"))[
        "Content-Security-Policy"]


# Templates rendered by WeasyPrint into PDFs (never served as HTML pages) may keep their <style>.
PRINT_ONLY = {"overview/timeline_pdf.html"}
INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")|<style|\sstyle=|\son[a-z]+=", re.I)


def test_no_template_needs_unsafe_inline():
    root = Path(django_settings.BASE_DIR) / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        name = path.relative_to(root).as_posix()
        if name in PRINT_ONLY or name.startswith("reports/document/"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{name}:{number}: {line.strip()[:80]}")
    assert offenders == []


def test_deploy_check_passes_with_the_production_example():
    example = Path(django_settings.BASE_DIR) / "deploy" / "production.env.example"
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"}
    for line in example.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value.strip('"')
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_wants_a_cache_shared_by_every_process(settings):
    from emgplan.fragments import check_cache_shared

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in check_cache_shared()] == ["emgplan.W001"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:6379/1"}}
    assert check_cache_shared() == []
