"""The import contracts (.importlinter) hold, and cover every app: a new app cannot slip outside them."""
import configparser
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings

CONFIG = settings.BASE_DIR / ".importlinter"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _config():
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]


def _local_apps() -> set[str]:
    return {a.name for a in apps.get_app_configs() if Path(a.path).parent == Path(settings.BASE_DIR)}


def test_every_local_app_is_a_root_package_and_has_a_place():
    config = _config()
    roots = set(_lines(config["importlinter"]["root_packages"]))
    local = _local_apps()
    assert {"accomplishments", "activities", "accounts", "devtools"} <= local  # the check sees the apps
    assert local <= roots, f"apps missing from .importlinter root_packages: {sorted(local - roots)}"
    layered = {name.strip() for line in _lines(config["importlinter:contract:layers"]["layers"])
               for name in line.split("|")}
    product = local - {"devtools"}
    assert product <= layered, f"apps with no layer in .importlinter: {sorted(product - layered)}"
    core_forbidden = set(_lines(config["importlinter:contract:core"]["forbidden_modules"]))
    assert local <= core_forbidden, f"apps the core may import: {sorted(local - core_forbidden)}"
    tooling_sources = set(_lines(config["importlinter:contract:tooling"]["source_modules"]))
    assert product | {"emgplan"} <= tooling_sources


def _lint(config_path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--config", str(config_path), "--no-cache"], cwd=settings.BASE_DIR,
                          capture_output=True, text=True, timeout=300)


def test_the_contracts_hold():
    done = _lint(CONFIG)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " kept, 0 broken." in done.stdout


def test_a_broken_layer_order_is_caught(tmp_path):
    """The checker really checks: with accomplishments put on top, its importers break the contract."""
    config = _config()
    layers = _lines(config["importlinter:contract:layers"]["layers"])
    config["importlinter:contract:layers"]["layers"] = "\n" + "\n".join([layers[-1], *layers[:-1]])
    broken = tmp_path / "importlinter.ini"
    with broken.open("w") as f:
        config.write(f)
    done = _lint(broken)
    assert done.returncode != 0
    assert "activities is not allowed to import accomplishments" in done.stdout
