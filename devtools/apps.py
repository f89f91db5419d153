from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Tooling that is not the product: the synthetic plan generator, demo seeding, the benchmark's pages and
    report benchmark, and the test helpers. Installed only for development, tests and the benchmark (settings);
    its commands refuse a production database (devtools.guard). No product app imports it."""

    name = "devtools"
    verbose_name = "Development tools"
