"""Settings for the EMG work plan tracker, read from the environment (12-factor).

With nothing set, the embedded default runs: DEBUG on, a SQLite file in the project folder,
Celery tasks run eagerly in-process, e-mail printed to the console.
"""
import datetime
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; absent on most machines

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env("SECRET_KEY", default=None)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_filters",
    "django_htmx",
    "template_partials",
    "rules",
    "django_celery_beat",
    "csp",
    "axes",
    "accomplishments",
    "activities",
    "decisions",
    "workplans",
    "reports",
    "accounts",
    "overview",
    "cycles",
    "backups",
]

# Tooling that is not the product (devtools: generate_plan, seed_demo, bench_reports, the benchmark's baseline page)
# is installed for development (DEBUG), the test suite and the benchmark only; production never loads it.
EMG_DEVTOOLS = env.bool("EMG_DEVTOOLS", default=DEBUG or env.bool("EMG_BENCHMARK", default=False)
                        or "pytest" in sys.modules)
if EMG_DEVTOOLS:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "emgplan.middleware.RequestIdMiddleware",
    "emgplan.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accomplishments.middleware.WorkPlanMiddleware",  # before any middleware that reads the path
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out user or address before any password check
    "rules.permissions.ObjectPermissionBackend",
    "accounts.backends.StaffModelBackend",
]

ROOT_URLCONF = "emgplan.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "emgplan.context_processors.site",
                "accounts.context_processors.notices",
            ],
            "libraries": {"navigation": "emgplan.templatetags.navigation",
                          "app_clock": "emgplan.templatetags.app_clock",
                          "shared_fragments": "emgplan.templatetags.shared_fragments"},
        },
    },
]

WSGI_APPLICATION = "emgplan.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Absolute: a relative one would take the script prefix, which names a work plan under /plans/<code>/.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded evidence is never served as public media: no URL pattern serves MEDIA_URL, and
# downloads go through permission-checked views.
MEDIA_URL = "/_media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Caches: a shared cache (Redis) in production so every web process sees the same entries; local memory
# for `make run` and the tests. E.g. CACHE_URL=redis://127.0.0.1:6379/1
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
CACHES["default"].setdefault("KEY_PREFIX", env("CACHE_KEY_PREFIX", default="emgplan"))
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # A page of a list keeps a fragment and a token per row: the default 300 entries would be culled (a third of
    # them at random, tokens included) after a few pages, and pages would be rebuilt for nothing.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 20_000)

# HTTPS and cookies: off by default so `make run` works on plain http://127.0.0.1; production turns them on
# (deploy/production.env.example). Behind a proxy that terminates TLS, SECURE_PROXY_SSL_HEADER=true trusts
# its X-Forwarded-Proto header (only when the proxy sets it on every request).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # the proxy's health probe may come over plain http
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("SECURE_PROXY_SSL_HEADER", default=False) \
    else None
SECURE_REFERRER_POLICY = env("SECURE_REFERRER_POLICY", default="same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: htmx sends the token from the page (base.html), forms from a hidden field.
CSRF_COOKIE_HTTPONLY = env.bool("CSRF_COOKIE_HTTPONLY", default=True)
SESSION_COOKIE_SAMESITE = env("SESSION_COOKIE_SAMESITE", default="Lax")
CSRF_COOKIE_SAMESITE = env("CSRF_COOKIE_SAMESITE", default="Lax")
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)

# Content-Security-Policy (django-csp), in every mode so the browser tests run under it: scripts and styles
# only from our own static files (no inline script or style anywhere); Bootstrap draws a few icons as data:
# SVG images. CSP_REPORT_ONLY=true sends it as Content-Security-Policy-Report-Only instead.
_CSP = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if env("CSP_REPORT_URI", default=""):
    _CSP["DIRECTIVES"]["report-uri"] = [env("CSP_REPORT_URI")]
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures in a row for one username, or from one
# address, sign-in is refused for that username or address until AXES_COOLOFF_MINUTES after the last
# failure. The message is the same whether the username exists. The secretariat unlocks at Users → Sign-in
# lockouts. Behind a proxy, TRUSTED_PROXY_COUNT=1 takes the client's address from X-Forwarded-For.
AXES_FAILURE_LIMIT = min(env.int("AXES_FAILURE_LIMIT", default=10), 10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockouts.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockouts.client_ip"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # lockouts are seen and lifted in the application (accounts.views.LockoutListView)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

CSRF_FAILURE_VIEW = "emgplan.errors.csrf_failure"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "activities:plan"
LOGOUT_REDIRECT_URL = "login"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="EMG work plan <emg-secretariat@localhost>")

# Celery: with no broker configured, tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat copies these into django-celery-beat's tables at start-up, where the admin can edit them.
CELERY_BEAT_SCHEDULE = {
    "cycles-send-reminders": {
        "task": "cycles.tasks.send_reminders",
        "schedule": crontab(hour=env.int("EMG_REMINDER_HOUR", default=6), minute=0),
    },
}

# Reporting cycles (issue 6): derived health and reminders.
EMG_STALE_DAYS = env.int("EMG_STALE_DAYS", default=90)  # no accepted update for longer: stale
EMG_DUE_SOON_DAYS = env.int("EMG_DUE_SOON_DAYS", default=30)  # "due soon" when no cycle is open
EMG_REMINDER_OFFSETS = env.list("EMG_REMINDER_OFFSETS", cast=int, default=[14, 7, 1])  # days before cut-off
EMG_REMINDER_MISSING_AFTER = env.int("EMG_REMINDER_MISSING_AFTER", default=1)  # days after: secretariat
EMG_REMINDER_CHAIR_AFTER = env.int("EMG_REMINDER_CHAIR_AFTER", default=7)  # days after: the Chair
EMG_REVIEW_REMINDER_DAYS = env.int("EMG_REVIEW_REMINDER_DAYS", default=5)  # submitted and unreviewed longer

# The plan's "today": the real date unless EMG_TODAY (YYYY-MM-DD) fixes it.
EMG_TODAY = env("EMG_TODAY", default="")
EMG_DEMO = env.bool("EMG_DEMO", default=False)
# The load benchmark (bench/): adds its baseline page. Never on in production.
EMG_BENCHMARK = env.bool("EMG_BENCHMARK", default=False)

SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A whole request (a progress update with its attachments) larger than this is refused with 413 from its
# Content-Length, before the body is read (emgplan.middleware.RequestSizeLimitMiddleware).
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=25 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# Logs go to standard error; LOG_FORMAT=json writes one JSON object per line with the request (or task) id,
# for a log collector. With LOG_LEVEL=INFO each request is logged once (emgplan.middleware).
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "emgplan.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "emgplan.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
# Celery's worker and beat log through the same configuration instead of replacing it.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Reports (issue 4): compiled in a Celery job with these limits; a periodic sweep fails stuck jobs.
REPORTS_SOFT_TIME_LIMIT = env.int("REPORTS_SOFT_TIME_LIMIT", default=240)
REPORTS_TIME_LIMIT = env.int("REPORTS_TIME_LIMIT", default=300)
REPORTS_SWEEP_GRACE = env.int("REPORTS_SWEEP_GRACE", default=60)
REPORTS_QUEUED_TIMEOUT = env.int("REPORTS_QUEUED_TIMEOUT", default=3600)
REPORTS_MAX_RETRIES = env.int("REPORTS_MAX_RETRIES", default=5)
REPORTS_RETRY_BACKOFF_MAX = env.int("REPORTS_RETRY_BACKOFF_MAX", default=300)
# A compiling worker refreshes its report's heartbeat this often; a reader that finds it older than
# REPORTS_HEARTBEAT_STALE seconds marks the job failed (its worker died). A job queued longer than
# REPORTS_NO_WORKER_AFTER seconds makes the page ask the workers (answers cached REPORTS_PING_CACHE s).
REPORTS_HEARTBEAT_INTERVAL = env.float("REPORTS_HEARTBEAT_INTERVAL", default=15.0)
REPORTS_HEARTBEAT_STALE = env.int("REPORTS_HEARTBEAT_STALE", default=90)
REPORTS_NO_WORKER_AFTER = env.int("REPORTS_NO_WORKER_AFTER", default=60)
REPORTS_PING_CACHE = env.int("REPORTS_PING_CACHE", default=10)
# Tests only: seconds a compile waits once running, so a test can kill its worker mid-job.
REPORTS_TEST_COMPILE_DELAY = env.float("REPORTS_TEST_COMPILE_DELAY", default=0.0)
CELERY_BEAT_SCHEDULE["reports-sweep-stuck"] = {"task": "reports.tasks.sweep_stuck_reports", "schedule": 300.0}
# Nightly backup by beat, when BACKUP_DIR is set (cron running `manage.py backup --dir` does the same).
if env("BACKUP_DIR", default=""):
    CELERY_BEAT_SCHEDULE["backups-nightly"] = {
        "task": "backups.tasks.backup_nightly",
        "schedule": crontab(hour=env.int("BACKUP_HOUR", default=2), minute=30),
        "kwargs": {"directory": env("BACKUP_DIR"), "keep": env.int("BACKUP_KEEP", default=14)},
    }
