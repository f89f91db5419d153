"""Benchmark of report compilation: time and peak memory per format, for the seed plan and a larger one.

Each measurement runs in its own process (`manage.py bench_reports --one ...`), so peak memory is that
format's alone: ru_maxrss is the whole process (Python, Django, the C libraries WeasyPrint uses), and
"before" is the same figure before rendering. tracemalloc is not used: it slows WeasyPrint down tenfold.
Wall and CPU time are both printed: on a busy machine the CPU time is the steadier figure.
"""
import json
import resource
import subprocess
import sys
import time

from django.conf import settings
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

FORMATS = ("pdf", "docx", "xlsx")


def measure_one(*, plan_symbol: str, fmt: str, meeting: str = "SOM20", as_of: str = "2014-09-01") -> dict:
    """Build the snapshot and render one format in this process; return timings and memory."""
    import datetime

    from accomplishments.models import Meeting, WorkPlan
    from reports.renderers import renderer_for
    from reports.selectors import report_snapshot

    plan = WorkPlan.objects.get(symbol=plan_symbol)
    meeting_obj = Meeting.objects.get(code=meeting)
    t0 = time.perf_counter()
    render = renderer_for(fmt)
    if fmt == "pdf":
        import weasyprint  # noqa: F401  (the import is most of a cold start: count it apart)
    import_s = time.perf_counter() - t0

    reset_queries()
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        snapshot = report_snapshot(plan=plan, kind="som", meeting=meeting_obj,
                                   as_of=datetime.date.fromisoformat(as_of), symbol="EMG/SOM.20/3",
                                   issued_on=datetime.date.fromisoformat(as_of))
    snapshot_s = time.perf_counter() - t0

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, c0 = time.perf_counter(), time.process_time()
    content = render(snapshot)
    render_s, render_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {
        "format": fmt, "import_s": import_s, "snapshot_s": snapshot_s, "queries": len(queries),
        "render_s": render_s, "render_cpu_s": render_cpu_s, "bytes": len(content), "rss_before_mb": rss_before,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "milestones": sum(1 + len(m["children"]) for ea in snapshot["accomplishments"]
                          for a in ea["activities"] for m in a["milestones"]),
        "progress": len(snapshot["progress"]),
    }


def run(*, plans: dict[str, str], out=sys.stdout) -> list[dict]:
    """Measure every format of every plan, each in a fresh process, and print a table."""
    results = []
    header = (f"{'plan':<8}{'format':<8}{'wall s':>8}{'CPU s':>8}{'snapshot s':>12}{'queries':>9}{'import s':>10}"
              f"{'RSS before MB':>15}{'RSS peak MB':>13}{'size KB':>9}")
    out.write(header + "\n" + "-" * len(header) + "\n")
    for label, symbol in plans.items():
        total = total_cpu = 0.0
        for fmt in FORMATS:
            proc = subprocess.run(
                [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_reports", "--one", symbol, fmt],
                capture_output=True, text=True, check=True,
            )
            r = json.loads(proc.stdout.strip().splitlines()[-1]) | {"plan": label}
            results.append(r)
            total += r["render_s"]
            total_cpu += r["render_cpu_s"]
            out.write(f"{label:<8}{fmt:<8}{r['render_s']:>8.2f}{r['render_cpu_s']:>8.2f}{r['snapshot_s']:>12.3f}"
                      f"{r['queries']:>9}{r['import_s']:>10.2f}{r['rss_before_mb']:>15.1f}{r['rss_peak_mb']:>13.1f}"
                      f"{r['bytes'] / 1024:>9.0f}\n")
        snap = results[-1]["snapshot_s"]
        out.write(f"{label:<8}{'all 3':<8}{total + snap:>8.2f}{total_cpu + snap:>8.2f}   "
                  f"(snapshot once + three renders; {results[-1]['milestones']} milestones, "
                  f"{results[-1]['progress']} accepted updates)\n")
    return results
