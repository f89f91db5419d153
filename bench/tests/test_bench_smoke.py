"""The load benchmark runs end to end (scale 1, 1 s per page), so that `make bench` cannot rot.

Not a measurement: it only checks that the harness prints a row per page with numeric figures.
"""
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from bench.run import BASELINE, PAGES, ROOT

pytestmark = pytest.mark.postgres
NUMBER = r"\d+(?:\.\d+)?"


def _bench_url():
    """A throwaway emgplan_bench_smoke_* database on the server the tests use."""
    db = settings.DATABASES["default"]
    user = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    server = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{user}@{server}/emgplan_bench_smoke_{uuid.uuid4().hex[:8]}"


def test_bench_harness_prints_a_row_per_page(tmp_path):
    if shutil.which("wrk") is None:
        if os.environ.get("EMG_REQUIRE_POSTGRES") == "1":
            pytest.fail("wrk is missing (Debian package wrk)")
        pytest.skip("needs wrk (Debian package wrk)")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--scale", "1", "--seconds", "1", "--warmup", "0", "--no-reports",
         "--drop", "--database-url", _bench_url(), "--static-root", str(Path(ROOT) / "staticfiles")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    rows = {cells[0]: cells for cells in ([c.strip() for c in line.strip("|").split("|")] for line in lines)}
    head = rows["page"]
    figures = ["req/s", "p50 ms", "p95 ms", "p99 ms", "queries @1", "uncached @1"]
    assert set(figures) <= set(head), head
    for page in [BASELINE, *PAGES]:
        assert page.label in rows, f"no row for {page.label}:\n{result.stdout}"
        cells = dict(zip(head, rows[page.label], strict=True))
        if cells["req/s"] == "skipped: not present":
            continue
        for name in figures:
            assert re.fullmatch(NUMBER, cells[name]), f"{page.label}: {cells}"
        assert re.fullmatch(r"\d+%", cells["of baseline"]), cells
        assert int(cells["queries @1"]) <= int(cells["uncached @1"]), cells  # a warm request reads no more
    assert rows[BASELINE.label][2] != "skipped: not present"
    assert float(rows[BASELINE.label][2]) > 0
