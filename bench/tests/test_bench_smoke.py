"""The load benchmark runs end to end (scale 1, short runs), so that `make bench` cannot rot.

Not a measurement (the figures depend on the machine): it checks that the harness signs in at least 100
distinct users over every role, measures every page cold and under the mixed load, that every page answered
200 and every write a redirect (no 500, no CSRF or permission refusal, no sign-in redirect), that the writes it
counts as done are in the database, that it reads each worker's memory, and that it says per page which
target is met or missed.
"""
import json
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

from bench.run import PAGES, ROOT

pytestmark = pytest.mark.postgres


def _bench_url():
    """A throwaway emgplan_bench_smoke_* database on the server the tests use."""
    db = settings.DATABASES["default"]
    user = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    server = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{user}@{server}/emgplan_bench_smoke_{uuid.uuid4().hex[:8]}"


def _table(stdout: str, title: str) -> dict:
    """The rows of the Markdown table under a heading starting with `title`, by their first cell."""
    block = stdout.split(f"### {title}", 1)[1].split("\n### ", 1)[0]
    lines = [line for line in block.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def test_bench_harness_measures_every_page_cold_and_mixed(tmp_path):
    if shutil.which("wrk") is None:
        if os.environ.get("EMG_REQUIRE_POSTGRES") == "1":
            pytest.fail("wrk is missing (Debian package wrk)")
        pytest.skip("needs wrk (Debian package wrk)")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    out = tmp_path / "bench.json"
    command = [sys.executable, "-m", "bench.run", "--scale", "1", "--seconds", "1", "--mix-seconds", "4",
               "--warmup", "0", "--inprocess-requests", "2", "--write-share", "0.3", "--no-reports", "--drop",
               "--json", str(out), "--database-url", _bench_url(), "--static-root", str(Path(ROOT) / "staticfiles")]
    if os.environ.get("EMG_TEST_BROKER_URL", "").startswith("redis"):  # the test's Redis (keys under a prefix)
        command += ["--cache-url", os.environ["EMG_TEST_BROKER_URL"]]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(out.read_text())

    assert data["users"] >= 100
    assert all(data["users_by_role"][role] > 0 for role in ("secretariat", "chair", "lead", "focal_point", "viewer"))
    results = {r["label"]: r for r in data["results"]}
    labels = [p.label for p in PAGES if not results[p.label]["skipped"]]
    assert len(labels) >= 9, labels  # every main page of the issue is measured
    for label in labels:
        r = results[label]
        assert r["ms"] > 0 and r["base_ms"] > 0 and r["ratio"] > 0, r
        assert r["cold"]["base_rps"] > 0 and r["mixed"]["base_rps"] > 0, r
        assert isinstance(r["queries"]["1"], int) and r["queries"]["1"] >= r["queries_warm"]["1"], r
        for run in ("cold", "mixed", "mix"):
            assert r[run]["p95"] >= r[run]["p50"] > 0, (label, run, r[run])
        assert r["cold"]["rps"] > 0 and r["mixed"]["rps"] > 0
        assert r["cold"]["bad"] == 0 and r["mixed"]["bad"] == 0 and r["mix"]["bad"] == 0, (
            label, r["cold"]["unexpected"], r["mixed"]["unexpected"], r["mix"]["unexpected"], result.stderr[-3000:])
        assert r["misses"] or r["met"]
    assert data["mix"]["socket_errors"] == 0
    assert all(k["bad"] == 0 for k in data["mix"]["keys"].values()), data["mix"]["keys"]
    assert data["mix"]["keys"]["wstatus-form"]["n"] >= data["mix"]["keys"]["wstatus"]["n"] > 0
    for kind, total in data["writes"].items():  # status changes, progress drafts, contributions all happened
        assert total["sent"] > 0 and total["ok"] == total["sent"], (kind, total)
        assert total["ok"] <= total["applied"] <= total["ok"] + data["in_flight"], (kind, total)
    for server, before, after in data["rss"]:
        assert len(before) == data["workers"] and all(v > 20 for v in after.values()), (server, before, after)

    # The printed report: a row per page in each table, and the targets said per page.
    cold = _table(result.stdout, "Cold")
    mixed = _table(result.stdout, "Mixed")
    targets = _table(result.stdout, "Targets")
    for label in labels:
        assert re.fullmatch(r"\d+(\.\d+)?", cold[label]["p95 ms"]), cold[label]
        assert cold[label]["not 200"] == "0" and mixed[label]["not 200/302"] == "0"
        assert targets[label]["missed"] or targets[label]["met"]
    assert "load average" in result.stdout
