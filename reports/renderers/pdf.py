"""PDF: a Django template with print CSS, laid out by WeasyPrint."""
from django.template.loader import render_to_string

from . import ea_narrative, introduction, next_steps, status_summary, title_of


def context(snapshot) -> dict:
    eas = [ea | {"summary": status_summary(ea), "narrative": ea_narrative(ea)} for ea in snapshot["accomplishments"]]
    return {
        "s": snapshot, "title": title_of(snapshot), "intro": introduction(snapshot), "steps": next_steps(snapshot),
        "eas": eas, "has_outputs": any(a["outputs"] for ea in eas for a in ea["activities"]),
    }


def html(snapshot) -> str:
    return render_to_string(f"reports/document/{snapshot['kind']}.html", context(snapshot))


def render(snapshot) -> bytes:
    from weasyprint import HTML

    return HTML(string=html(snapshot)).write_pdf()
