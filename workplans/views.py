"""The plan as a document: import it from the SOM document with a review step, download it as one."""
import datetime

from django.contrib import messages
from django.core import signing
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.views import View

from accomplishments.models import WorkPlan
from emgplan.views import RoleRequiredMixin, RuleRequiredMixin

from .document import DocumentError, parse_document
from .exporting import workplan_docx, workplan_docx_name
from .forms import DocumentUploadForm, review_forms
from .loading import WorkPlanImportError, workplan_document_resolve, workplan_import

STATE_SALT = "workplans.import.review"
STATE_MAX_AGE = 24 * 3600  # a review left open overnight is read again from the document


def _carry_over_url(plan) -> str | None:
    return _url("activities:carry_over", plan.pk)  # the carry-over page belongs to the several-plans work


def _items(plan: dict):
    """The plan's items in document order: (kind, item, depth, label)."""
    for acc in plan["accomplishments"]:
        yield "accomplishments", acc, 0, acc["code"]
        for act in acc["activities"]:
            code = f"{acc['code']}.{act['number']}"
            yield "activities", act, 1, code
            for ms in act["milestones"]:
                yield "milestones", ms, 2, f"{code}({ms['label']})"
                for child in ms["children"]:
                    yield "milestones", child, 3, f"{code}({ms['label']})({child['label']})"


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class WorkPlanImportView(RoleRequiredMixin, RuleRequiredMixin, View):
    """Upload or paste the document → review each parsed item beside its source → create the draft plan.

    Nothing is saved before "Create draft plan". Between the steps the parsed plan travels in a signed hidden
    field (it cannot be altered without the signature failing); the corrections travel as the forms' values.
    """

    permission_required = "workplans.import_plan"
    upload_template = "workplans/import_upload.html"
    review_template = "workplans/import_review.html"

    def get(self, request):
        return render(request, self.upload_template, {"form": DocumentUploadForm()})

    def post(self, request):
        if "state" in request.POST:
            return self.create(request)
        form = DocumentUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.upload_template, {"form": form}, status=400)
        data, name = form.document_data()
        try:
            plan = workplan_document_resolve(plan=parse_document(data=data, name=name))
        except DocumentError as e:
            form.add_error(None, f"{name} cannot be imported: {e}")
            return render(request, self.upload_template, {"form": form}, status=400)
        plan["name"] = name
        return self.review(request, plan, review_forms(plan))

    def review(self, request, plan, forms, error="", status=200):
        rows = []
        counters = {"accomplishments": 0, "activities": 0, "milestones": 0}
        for kind, item, depth, label in _items(plan):
            form = forms[kind].forms[counters[kind]]
            counters[kind] += 1
            quote = item["excerpt"]
            if kind == "accomplishments":
                quote = f"{quote} — {item['statement']}"
            rows.append({"kind": kind, "item": item, "depth": depth, "label": label, "form": form, "quote": quote,
                         "heading": item.get("heading", ""), "meetings": item.get("meetings", [])})
        existing = WorkPlan.objects.filter(symbol=plan.get("symbol")).first()
        return render(request, self.review_template, {
            "plan": plan, "forms": forms, "rows": rows, "error": error, "existing": existing,
            "state": signing.dumps(plan, salt=STATE_SALT, compress=True),
            "counts": {k: len(v.forms) for k, v in forms.items() if k != "plan"},
        }, status=status)

    def create(self, request):
        try:
            plan = signing.loads(request.POST["state"], salt=STATE_SALT, max_age=STATE_MAX_AGE)
        except signing.BadSignature:
            return render(request, self.upload_template, {"form": DocumentUploadForm(), "error": (
                "The review was left open too long or its page was altered: choose the document again "
                "(nothing was saved).")}, status=400)
        forms = review_forms(plan, request.POST)
        expected = {"accomplishments": 0, "activities": 0, "milestones": 0}
        for kind, *_ in _items(plan):
            expected[kind] += 1
        valid = forms["plan"].is_valid() & all(forms[k].is_valid() for k in expected)
        if valid and any(len(forms[k].forms) != n for k, n in expected.items()):
            return self.review(request, plan, review_forms(plan), status=400, error=(
                "The review's forms do not match the document any more: check the items again."))
        if not valid:
            return self.review(request, plan, forms, status=400,
                               error="Some items need correcting: see the messages beside them.")
        reviewed = _apply(plan, forms)
        try:
            result = workplan_import(plan=reviewed, name=plan["name"])
        except WorkPlanImportError as e:
            return self.review(request, plan, forms, status=400, error=f"The plan was not created: {e}")
        messages.success(request, f"Draft plan {result.plan.symbol} created from {plan['name']}.")
        return HttpResponseRedirect(reverse("workplans:import-done", args=[result.plan.pk]))


def _apply(plan: dict, forms: dict) -> dict:
    """The parsed plan with the review's corrections (a copy: the signed state stays as parsed)."""
    import copy

    out = copy.deepcopy(plan)
    p = forms["plan"].cleaned_data
    out.update(symbol=p["symbol"].strip(), title=p["title"].strip(), first_year=p["first_year"],
               last_year=p["last_year"], issued_on=p["issued_on"].isoformat() if p["issued_on"] else None)
    cleaned = {k: iter(f.cleaned_data for f in forms[k].forms) for k in ("accomplishments", "activities", "milestones")}
    for kind, item, _depth, _label in _items(out):
        data = next(cleaned[kind])
        for key, value in data.items():
            item[key] = value.isoformat() if isinstance(value, datetime.date) else value
    return out


class WorkPlanImportDoneView(RoleRequiredMixin, RuleRequiredMixin, View):
    """After the import: what was created and what comes next (carry-over, adoption)."""

    permission_required = "workplans.import_plan"

    def get(self, request, pk):
        plan = get_object_or_404(WorkPlan, pk=pk)
        from activities.models import Activity, Milestone

        return render(request, "workplans/import_done.html", {
            "object": plan, "carry_over_url": _carry_over_url(plan),
            "adopt_url": _url("accomplishments:workplan-adopt", plan.pk) or _url("accomplishments:workplan-list"),
            "accomplishments": plan.accomplishments.count(),
            "activities": Activity.objects.filter(accomplishment__work_plan=plan).count(),
            "milestones": Milestone.objects.filter(activity__accomplishment__work_plan=plan).count(),
        })


class WorkPlanDocumentView(RoleRequiredMixin, RuleRequiredMixin, View):
    """The plan as its Word document, in the layout of the SOM document it was adopted from."""

    permission_required = "workplans.export_plan"

    def get(self, request, pk):
        plan = get_object_or_404(WorkPlan, pk=pk)
        response = HttpResponse(
            workplan_docx(plan=plan),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        response["Content-Disposition"] = f'attachment; filename="{workplan_docx_name(plan)}"'
        return response
