"""PDF: one Django template with print CSS lays out the document's blocks; WeasyPrint prints it."""
from django.template.loader import render_to_string
from django.utils import timezone

from . import AUTHOR, document_meta, outline, toc_entries


def context(snapshot) -> dict:
    blocks = outline(snapshot)
    return {"meta": document_meta(snapshot), "blocks": blocks, "toc": toc_entries(blocks), "author": AUTHOR,
            "compiled_at": timezone.now().isoformat(timespec="seconds")}


def html(snapshot) -> str:
    return render_to_string("reports/document/base.html", context(snapshot))


def render(snapshot) -> bytes:
    from weasyprint import HTML

    return HTML(string=html(snapshot)).write_pdf()
