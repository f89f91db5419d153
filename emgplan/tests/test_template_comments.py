"""A `{# … #}` comment ends on its own line in Django: one spread over two lines is printed into the page as text."""
from pathlib import Path

from django.conf import settings


def test_no_template_comment_spans_lines():
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    spread = []
    for root in roots:
        for path in root.rglob("*.*"):
            if path.suffix not in (".html", ".txt", ".xml", ".svg"):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                opened = line.rfind("{#")
                if opened != -1 and "#}" not in line[opened:]:
                    spread.append(f"{path.relative_to(root.parent)}:{n}")
    assert roots and not spread, "use {% comment %} for comments over several lines: " + ", ".join(spread)
