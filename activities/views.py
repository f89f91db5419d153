"""Views of the work tables: thin, each asks its rule, calls a service, renders or redirects."""
import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, ProtectedError, Sum
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, TemplateView, UpdateView
from rules.contrib.views import PermissionRequiredMixin

from accomplishments.models import Meeting
from accomplishments.selectors import workplan_of
from emgplan import clock
from emgplan.views import (
    MoveView,
    PlanDeleteView,
    RoleRequiredMixin,
    RuleRequiredMixin,
    WriteRetryMixin,
    id_param,
    safe_next,
)

from . import services, work_sources
from .forms import (
    ActivityEditForm,
    ActivityForm,
    ContributionEditForm,
    MilestoneEditForm,
    MilestoneForm,
    MilestoneStatusForm,
    ProgressUpdateForm,
    ReturnForm,
)
from .history import history_for
from .models import Activity, Contribution, EvidenceFile, LeadBody, Milestone, ProgressUpdate
from .permissions import focal_member_ids, is_secretariat, lead_body_ids, rights_on
from .row_figures import milestones_annotated
from .selectors import activity_queryset, plan_sections
from .tables import accepted_updates_fragment, activity_fragments, milestone_tables, milestones_read
from .work_tables import MY_WORK_PAGE, my_updates_in_progress, my_work_rows, review_queue_queryset, review_rows

PAGE_SIZE = 25


def conflict_message(request, exc: services.ConflictError):
    changed = "; ".join(f"{c.field}: “{c.old}” → “{c.new}”" for c in exc.changes) or "no visible field"
    if exc.by is not None and exc.by.pk == request.user.pk:  # the same person, in two tabs
        what = "you changed this record in another tab or window after opening it here"
    else:
        who = exc.by.get_full_name() or exc.by.username if exc.by else "someone else"
        what = f"{who} changed this record after you opened it"
    messages.error(request, f"Not saved: {what} ({changed}). "
                            "Review the current values below and save again if your change still applies.")


CONFLICT = 409  # every refused stale write answers this, with the current form and what changed


def unsaved_values(form, current) -> list[tuple[str, str]]:
    """What the user sent that differs from the record as it is now, so a refused save loses no typing."""
    out = []
    for name, value in form.cleaned_data.items():
        if name in ("version", "form_key", "attachments", "remove_files") or not hasattr(current, name):
            continue
        now = getattr(current, name)
        if hasattr(now, "all"):  # many-to-many
            now, value = set(now.all()), set(value)
            shown = ", ".join(sorted(str(v) for v in value)) or "—"
        else:
            shown = "—" if value in (None, "") else str(value)
        if now != value:
            out.append((str(form.fields[name].label or name), shown))
    return out


class PlanOverviewView(RoleRequiredMixin, RuleRequiredMixin, TemplateView):
    """The whole plan: A–D, their activities and milestones, in the order of the document."""

    template_name = "activities/plan_overview.html"
    permission_required = "accomplishments.view_plan"

    @cached_property
    def plan(self):
        return workplan_of(self.request)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # A closed plan is a read-only record: no arranging.
        can_manage = self.request.user.has_perm("activities.manage_plan") and (self.plan is None or self.plan.is_open)
        # The secretariat arranges the plan (edit, reorder, add) in a mode of its own: the everyday page stays small.
        arrange = can_manage and self.request.GET.get("arrange") == "1"
        ctx.update(plan=self.plan, section=self.request.GET.get("ea", "")[:10], can_manage=can_manage,
                   arrange=arrange)
        if self.plan is not None:
            today = clock.today(self.request)
            ctx["overview"] = plan_sections(plan=self.plan, chosen=ctx["section"], page=self.request.GET.get("page"))
            ctx["page_obj"] = ctx["overview"].page_obj
            ctx["query"] = urlencode({"ea": ctx["overview"].chosen, **({"arrange": "1"} if arrange else {})})
            activities = [activity for group in ctx["overview"].shown for activity in group.activities]
            ctx["rights"] = rights_on(self.request.user, activities)
            if arrange:  # the secretariat's arranging controls are in each activity: built for this page alone
                milestones_read(activities, today=today)
            else:
                ctx["tables"] = milestone_tables(activities, plan_id=self.plan.pk, rights=ctx["rights"], today=today,
                                                 request=self.request, name="plan-activity")
        return ctx


class ActivityDetailView(RoleRequiredMixin, PermissionRequiredMixin, DetailView):
    """An activity with its milestones and sub-items, progress, contributions and history."""

    template_name = "activities/activity_detail.html"
    permission_required = "activities.view_plan"

    def get_permission_object(self):
        """The activity alone (one query), read once; its milestones are read only if the page is not cached."""
        if getattr(self, "_activity", None) is None:
            self._activity = get_object_or_404(activity_queryset(), pk=self.kwargs["pk"])
        return self._activity

    def get_object(self, queryset=None):
        return self.get_permission_object()  # its partners, milestones... only if their fragment is not cached

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        activity = self.object
        user = self.request.user
        # The progress list: the accepted updates alone for a reader who may see no other of this activity's (not
        # the secretariat, not one of its leads, with no update of their own waiting), the same for all of them and
        # shared; built for the reader otherwise (drafts, submitted and returned updates).
        accepted_only = (not is_secretariat(user) and activity.lead_body_id not in lead_body_ids(user)
                         and not activity.updates.filter(author=user).exclude(review_state="accepted")
                         .exists())
        updates = (ProgressUpdate.objects.accepted() if accepted_only else ProgressUpdate.objects.visible_to(user))
        ctx["updates"] = (updates.filter(activity=activity)
                          .select_related("author", "milestone__parent", "milestone__activity__accomplishment")[:20])
        ctx["accepted_updates"] = accepted_updates_fragment(activity) if accepted_only else None
        # What everyone who may read the plan sees alike is kept in the shared cache (activities/tables.py); what is
        # read for it is read only when it is not there (lazily, from the templates).
        ctx["contributions"] = activity.contributions.select_related("member").order_by("year", "member__acronym")
        ctx["contribution_totals"] = SimpleLazyObject(
            lambda: activity.contributions.aggregate(days=Sum("staff_days"), usd=Sum("amount_usd")))
        ctx["history"] = SimpleLazyObject(lambda: history_for(activity))
        ctx["about"], ctx["record"], ctx["history_of"] = activity_fragments(
            activity, may_manage=user.has_perm("activities.manage_plan", activity))
        ctx["rights"] = rights_on(user, [activity])
        ctx["can_file"] = activity.pk in ctx["rights"].progress
        ctx["tables"] = milestone_tables([activity], plan_id=activity.accomplishment.work_plan_id,
                                         rights=ctx["rights"], today=clock.today(self.request), request=self.request)
        return ctx


# Plan keeping (secretariat) ------------------------------------------------------------------


class ActivityCreateView(WriteRetryMixin, RoleRequiredMixin, RuleRequiredMixin, CreateView):
    permission_required = "activities.manage_plan"
    form_class = ActivityForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "New activity"}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan_id": getattr(workplan_of(self.request), "pk", None)}

    def get_initial(self):
        return {"accomplishment": self.request.GET.get("accomplishment")}

    def form_valid(self, form):
        try:
            self.object = services.activity_create(data=form.cleaned_data, by=self.request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Activity {self.object.code} created.")
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        return reverse("activities:activity-detail", args=[self.object.pk])


class VersionedUpdateView(WriteRetryMixin, UpdateView):
    """An edit form that refuses to overwrite a newer version (optimistic locking)."""

    template_name = "includes/form_page.html"

    def get_permission_object(self):
        return self.get_object()

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            self.object = services.record_update(
                model=self.model, pk=self.object.pk, data=data, by=self.request.user,
                expected_version=form.cleaned_data.get("version"))
        except services.ConflictError as exc:
            conflict_message(self.request, exc)
            fresh = self.get_form_class()(instance=exc.current, **self.form_extra())
            ctx = self.get_context_data(form=fresh, changes=exc.changes, unsaved=unsaved_values(form, exc.current))
            return self.render_to_response(ctx, status=CONFLICT)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.object} saved.")
        return HttpResponseRedirect(self.get_success_url())

    def form_extra(self):
        return {"plan_id": self.object_plan_id()}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), **self.form_extra()}

    def object_plan_id(self):
        """The edited row's plan: its choices stay within it."""
        activity = self.object if isinstance(self.object, Activity) else self.object.activity
        return activity.accomplishment.work_plan_id


class ActivityEditView(RoleRequiredMixin, PermissionRequiredMixin, VersionedUpdateView):
    permission_required = "activities.manage_plan"
    model = Activity
    form_class = ActivityEditForm
    extra_context = {"title": "Edit activity"}

    def get_success_url(self):
        return reverse("activities:activity-detail", args=[self.object.pk])


class VersionedDeleteView(PlanDeleteView):
    """A delete confirmed against the version shown on the confirmation page; refused if it changed since."""

    def form_valid(self, form):
        label = str(self.object)
        try:
            services.record_delete(model=self.model, pk=self.object.pk, by=self.request.user,
                                   expected_version=self.request.POST.get("version"))
        except services.ConflictError as exc:
            conflict_message(self.request, exc)
            self.object = exc.current
            return self.render_to_response(self.get_context_data(changes=exc.changes), status=CONFLICT)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return self.render_to_response(self.get_context_data())
        except ProtectedError:
            messages.error(self.request, f"{label} cannot be deleted: other records still refer to it.")
            return HttpResponseRedirect(self.request.path)
        messages.success(self.request, f"{label} deleted.")
        return HttpResponseRedirect(self.get_success_url())


class ActivityDeleteView(RoleRequiredMixin, PermissionRequiredMixin, VersionedDeleteView):
    permission_required = "activities.manage_plan"
    model = Activity
    success_url = reverse_lazy("activities:plan")


class ActivityMoveView(MoveView):
    permission_required = "activities.manage_plan"
    model = Activity
    move = staticmethod(services.plan_item_move)
    back_url = reverse_lazy("activities:plan")


class MilestoneMoveView(MoveView):
    permission_required = "activities.manage_plan"
    model = Milestone
    move = staticmethod(services.plan_item_move)
    back_url = reverse_lazy("activities:plan")


class MilestoneDetailView(RoleRequiredMixin, PermissionRequiredMixin, DetailView):
    template_name = "activities/milestone_detail.html"
    permission_required = "activities.view_plan"

    def get_queryset(self):
        return milestones_annotated(Milestone.objects.all(), clock.today(self.request)).select_related(
            "activity__accomplishment", "activity__lead_body", "due_meeting", "parent")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        m, user = self.object, self.request.user
        ctx["updates"] = (ProgressUpdate.objects.visible_to(user).filter(milestone=m)
                          .select_related("author", "reviewer").prefetch_related("files"))
        ctx["children"] = m.children.select_related("due_meeting", "activity")
        ctx["history"] = history_for(m)
        ctx["rights"] = rights = rights_on(user, [m.activity])
        ctx["can_set_status"] = m.activity_id in rights.status
        ctx["can_file"] = m.activity_id in rights.progress
        if ctx["can_set_status"]:
            ctx["status_form"] = _status_form(m, user)
        return ctx


class MilestoneCreateView(WriteRetryMixin, RoleRequiredMixin, RuleRequiredMixin, CreateView):
    permission_required = "activities.manage_plan"
    form_class = MilestoneForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "New milestone"}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "plan_id": getattr(workplan_of(self.request), "pk", None)}

    def get_initial(self):
        return {"activity": self.request.GET.get("activity"), "parent": self.request.GET.get("parent")}

    def form_valid(self, form):
        try:
            self.object = services.milestone_create(data=form.cleaned_data, by=self.request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Milestone {self.object} created.")
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        return reverse("activities:activity-detail", args=[self.object.activity_id])


class MilestoneEditView(RoleRequiredMixin, PermissionRequiredMixin, VersionedUpdateView):
    permission_required = "activities.manage_plan"
    model = Milestone
    form_class = MilestoneEditForm
    extra_context = {"title": "Edit milestone"}

    def get_queryset(self):
        return Milestone.objects.select_related("activity__accomplishment__work_plan")

    def get_success_url(self):
        return reverse("activities:milestone-detail", args=[self.object.pk])


class MilestoneDeleteView(RoleRequiredMixin, PermissionRequiredMixin, VersionedDeleteView):
    permission_required = "activities.manage_plan"
    model = Milestone

    def get_success_url(self):
        return reverse("activities:activity-detail", args=[self.object.activity_id])


def _status_form(milestone, user, data=None):
    schedule = user.has_perm("activities.manage_plan")
    initial = {"status": milestone.status, "completed_on": milestone.completed_on, "version": milestone.version,
               "due_meeting": milestone.due_meeting_id, "due_date": milestone.due_date}
    return MilestoneStatusForm(data, initial=initial, milestone=milestone, schedule=schedule,
                               meetings=Meeting.objects.all(), prefix=f"m{milestone.pk}")


class MilestoneStatusView(WriteRetryMixin, RoleRequiredMixin, PermissionRequiredMixin, View):
    """The inline status change: htmx swaps the row; without JavaScript it redirects back."""

    permission_required = "activities.set_milestone_status"
    http_method_names = ["get", "post"]

    def _milestones(self):
        """The row's milestone with what it shows (its health among them: activities.row_figures)."""
        return milestones_annotated(Milestone.objects.all(), clock.today(self.request)).select_related(
            "activity__accomplishment__work_plan", "due_meeting", "parent")

    def get_permission_object(self):
        self.milestone = get_object_or_404(self._milestones(), pk=self.kwargs["pk"])
        return self.milestone

    def _row(self, request, form, editing, status=200):
        ctx = {"m": self.milestone, "status_form": form, "row_messages": True, "editing": editing,
               "rights": rights_on(request.user, [self.milestone.activity])}
        return render(request, "activities/partials/_milestone_row.html", ctx, status=status)

    def _page(self, request, form, status=200):
        back = safe_next(request, reverse("activities:milestone-detail", args=[self.milestone.pk]))
        ctx = {"m": self.milestone, "form": form, "next": back,
               "rights": rights_on(request.user, [self.milestone.activity])}
        return render(request, "activities/milestone_status.html", ctx, status=status)

    def get(self, request, pk):
        form = _status_form(self.milestone, request.user)
        if request.htmx:  # the row with its form, or (Cancel) the row as it was
            return self._row(request, form, editing=request.GET.get("show") != "row")
        return self._page(request, form)

    def post(self, request, pk):
        m, user = self.milestone, request.user
        form = _status_form(m, user, data=request.POST)
        if form.is_valid():
            extra = {}
            if "due_meeting" in form.cleaned_data:
                extra = {"due_meeting": form.cleaned_data["due_meeting"], "due_date": form.cleaned_data["due_date"]}
            try:
                self.milestone = services.milestone_set_status(
                    milestone_id=m.pk, status=form.cleaned_data["status"],
                    completed_on=form.cleaned_data["completed_on"], by=user,
                    expected_version=form.cleaned_data["version"], **extra)
            except services.ConflictError as exc:
                conflict_message(request, exc)
                self.milestone = self._milestones().get(pk=m.pk)
                form = _status_form(self.milestone, user)
                form.conflict = exc
                return self._respond_invalid(request, form, status=CONFLICT)
            except ValidationError as exc:
                form.add_error(None, exc)
                return self._respond_invalid(request, form)
            messages.success(request, f"{self.milestone}: status set to {self.milestone.get_status_display()}.")
            if request.htmx:  # the row as saved, read again for its derived figures (health)
                self.milestone = self._milestones().get(pk=m.pk)
                return self._row(request, _status_form(self.milestone, user), editing=False)
            return HttpResponseRedirect(safe_next(request, reverse("activities:milestone-detail", args=[m.pk])))
        return self._respond_invalid(request, form)

    def write_failed(self, request, message):
        messages.error(request, message)  # shown on the page and in the row, as a conflict's message is
        return self._respond_invalid(request, _status_form(self.milestone, request.user, data=request.POST),
                                     status=503)

    def _respond_invalid(self, request, form, status=200):
        if request.htmx:  # base.html lets htmx swap a 409 like a 200
            return self._row(request, form, editing=True, status=status)
        return self._page(request, form, status=status)


# Progress -----------------------------------------------------------------------------------


class ProgressUpdateCreateView(WriteRetryMixin, RoleRequiredMixin, PermissionRequiredMixin, CreateView):
    """File progress on a milestone (?milestone=) or a whole activity (?activity=)."""

    permission_required = "activities.file_progress"
    form_class = ProgressUpdateForm
    template_name = "activities/progressupdate_form.html"

    def get_permission_object(self):
        mid, aid = id_param(self.request, "milestone"), id_param(self.request, "activity")
        self.milestone = None
        if mid:
            self.milestone = get_object_or_404(Milestone.objects.select_related("activity__accomplishment__work_plan"),
                                               pk=mid)
            self.activity = self.milestone.activity
        elif aid:
            self.activity = get_object_or_404(Activity.objects.select_related("accomplishment__work_plan"), pk=aid)
        else:
            raise Http404("Say which milestone or activity the update is about.")
        return self.activity

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "activity": self.activity}

    def get_initial(self):
        plan = self.activity.accomplishment.work_plan
        today = min(clock.today(self.request), datetime.date(plan.last_year + 1, 1, 1))
        start, end = services.default_period(today)
        return {"period_start": start, "period_end": end,
                "reported_status": self.milestone.status if self.milestone else "on_track"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, milestone=self.milestone, activity=self.activity)

    def form_valid(self, form):
        data = {k: form.cleaned_data[k] for k in ProgressUpdateForm.Meta.fields}
        try:
            update = services.progress_update_save(activity=self.activity, milestone=self.milestone,
                                                   author=self.request.user, data=data,
                                                   files=form.cleaned_data["attachments"],
                                                   form_key=form.cleaned_data.get("form_key"))
        except services.DuplicateSubmission as dup:
            first_url = reverse("activities:update-detail", args=[dup.update.pk])
            if all(getattr(dup.update, k) == v for k, v in data.items()):  # a double click: show what it filed
                messages.info(self.request, "This form had already been sent: here is the progress update it filed "
                                            "(it was not filed twice).")
                return HttpResponseRedirect(first_url)
            # The form was sent again with other text (back button, then edited): keep what was typed and
            # let the user decide, rather than drop it or file a second update unasked.
            messages.warning(self.request, format_html(
                "This form had already been sent and <a href=\"{}\">filed a progress update</a>. What you typed "
                "since is kept below: save it to file another update, or make the change on the one filed. "
                "Attach any files again.", first_url))
            again = self.request.POST.copy()
            again["form_key"] = str(uuid.uuid4())
            fresh = self.get_form_class()(data=again, activity=self.activity)
            return self.render_to_response(self.get_context_data(form=fresh), status=CONFLICT)
        if "submit" in self.request.POST:
            services.progress_update_submit(update=update, by=self.request.user, expected_version=update.version)
            messages.success(self.request, "Progress update submitted for review.")
        else:
            messages.success(self.request, "Draft saved. Submit it when it is ready for review.")
        return HttpResponseRedirect(reverse("activities:update-detail", args=[update.pk]))


def visible_updates(user):
    return ProgressUpdate.objects.visible_to(user).select_related(
        "activity__accomplishment__work_plan", "activity__lead_body", "milestone__parent", "author", "reviewer",
        "revision_of")


class ProgressUpdateDetailView(RoleRequiredMixin, PermissionRequiredMixin, DetailView):
    permission_required = "activities.view_update"
    template_name = "activities/progressupdate_detail.html"
    context_object_name = "update"

    def get_queryset(self):
        return visible_updates(self.request.user).prefetch_related("files", "revisions")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["return_form"] = ReturnForm()
        ctx["history"] = update_history(self.object, self.request.user)
        return ctx


# The fields whose history anyone who may read an update may see: the review, not the wording.
REVIEW_FIELDS = {"review_state", "submitted_at", "reviewer", "reviewed_at", "return_reason"}


def update_history(update, user):
    """An update's history as this reader may see it.

    Earlier wording (drafts, the text as submitted) was private to the author and the secretariat
    when it was written, and stays so: other readers see the review events only.
    """
    if update.author_id == user.pk or user.has_perm("activities.manage_plan"):
        return history_for(update)
    return history_for(update, fields=REVIEW_FIELDS)


class ProgressUpdateEditView(WriteRetryMixin, RoleRequiredMixin, PermissionRequiredMixin, UpdateView):
    permission_required = "activities.edit_update"
    form_class = ProgressUpdateForm
    template_name = "activities/progressupdate_form.html"
    context_object_name = "update"

    def get_queryset(self):
        return visible_updates(self.request.user)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "activity": self.object.activity}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, milestone=self.object.milestone, activity=self.object.activity)

    def form_valid(self, form):
        data = {k: form.cleaned_data[k] for k in ProgressUpdateForm.Meta.fields}
        try:
            update = services.progress_update_save(
                update=self.object, activity=self.object.activity, milestone=self.object.milestone,
                author=self.request.user, data=data, files=form.cleaned_data["attachments"],
                expected_version=form.cleaned_data.get("version"),
                remove_files=[f.pk for f in form.cleaned_data.get("remove_files") or ()])
        except services.ConflictError as exc:
            conflict_message(self.request, exc)
            if form.cleaned_data["attachments"]:
                messages.warning(self.request, "The files you attached were not saved either: attach them again.")
            fresh = ProgressUpdateForm(instance=exc.current, activity=self.object.activity)
            self.object = exc.current
            ctx = self.get_context_data(form=fresh, changes=exc.changes, unsaved=unsaved_values(form, exc.current))
            return self.render_to_response(ctx, status=CONFLICT)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        if "submit" in self.request.POST:
            services.progress_update_submit(update=update, by=self.request.user, expected_version=update.version)
            messages.success(self.request, "Progress update submitted for review.")
        else:
            messages.success(self.request, "Draft saved.")
        return HttpResponseRedirect(reverse("activities:update-detail", args=[update.pk]))


class UpdateActionView(WriteRetryMixin, RoleRequiredMixin, PermissionRequiredMixin, View):
    """A POST-only action on an update the user can see (404 otherwise), under its own rule (403)."""

    http_method_names = ["post"]

    def get_permission_object(self):
        self.update = get_object_or_404(visible_updates(self.request.user), pk=self.kwargs["pk"])
        return self.update

    def post(self, request, pk):
        try:
            result = self.act(request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            result = None
        return result or HttpResponseRedirect(reverse("activities:update-detail", args=[self.update.pk]))


class ProgressUpdateSubmitView(UpdateActionView):
    permission_required = "activities.submit_update"

    def act(self, request):
        try:
            services.progress_update_submit(update=self.update, by=request.user,
                                            expected_version=request.POST.get("version"))
        except services.ConflictError as exc:
            conflict_message(request, exc)
            update = visible_updates(request.user).prefetch_related("files", "revisions").get(pk=self.update.pk)
            ctx = {"update": update, "object": update, "return_form": ReturnForm(), "changes": exc.changes,
                   "history": update_history(update, request.user)}
            return render(request, "activities/progressupdate_detail.html", ctx, status=CONFLICT)
        messages.success(request, "Progress update submitted for review.")


class ProgressUpdateReviseView(UpdateActionView):
    permission_required = "activities.revise_update"

    def act(self, request):
        draft = services.progress_update_revise(update=self.update, by=request.user)
        messages.success(request, "A new draft was started from the returned update: revise it and submit it again.")
        return HttpResponseRedirect(reverse("activities:update-edit", args=[draft.pk]))


class ProgressUpdateAcceptView(UpdateActionView):
    """GET: what accepting will do, with the button that does it (accepting acts at once and has no undo)."""

    permission_required = "activities.review_update"
    http_method_names = ["get", "post"]

    def get(self, request, pk):
        return render(request, "activities/progressupdate_accept.html", {
            "update": self.update, "target": self.update.milestone or self.update.activity,
            "next": safe_next(request, reverse("activities:review-queue"))})

    def act(self, request):
        services.progress_update_accept(update=self.update, by=request.user)
        messages.success(request, f"Update on {self.update.milestone or self.update.activity} accepted.")
        return HttpResponseRedirect(safe_next(request, reverse("activities:review-queue")))


class ProgressUpdateReturnView(UpdateActionView):
    permission_required = "activities.review_update"
    http_method_names = ["get", "post"]

    def get(self, request, pk):
        return render(request, "activities/progressupdate_return.html", {"update": self.update, "form": ReturnForm()})

    def act(self, request):
        form = ReturnForm(request.POST)
        if not form.is_valid():
            return render(request, "activities/progressupdate_return.html", {"update": self.update, "form": form})
        services.progress_update_return(update=self.update, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"Update on {self.update.milestone or self.update.activity} returned to its author.")
        return HttpResponseRedirect(reverse("activities:review-queue"))


class EvidenceDownloadView(RoleRequiredMixin, PermissionRequiredMixin, View):
    """Evidence is served only through this view, to users who may see its update."""

    permission_required = "activities.view_update"

    def get_permission_object(self):
        self.evidence = get_object_or_404(EvidenceFile.objects.select_related("update"), pk=self.kwargs["pk"],
                                          update__in=visible_updates(self.request.user))
        return self.evidence.update

    def get(self, request, pk):
        f = self.evidence
        return FileResponse(f.file.open("rb"), as_attachment=True, filename=f.original_name,
                            content_type=f.content_type or "application/octet-stream")


class ReviewQueueView(RoleRequiredMixin, RuleRequiredMixin, ListView):
    """The submitted updates, oldest first: the page lists them (with their authors' names) in two queries; each
    row comes from the shared cache (activities/work_tables.py), read only when missing."""

    permission_required = "activities.review_queue"
    template_name = "activities/review_queue.html"
    paginate_by = PAGE_SIZE
    context_object_name = "updates"

    def get_queryset(self):
        return review_queue_queryset(workplan_of(self.request))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["rows"] = review_rows(list(ctx["updates"]), plan_id=workplan_of(self.request).pk)
        ctx["other_work"] = [(source.name, source.review_queue()) for source in work_sources.sources()]
        return ctx


class MyWorkView(RoleRequiredMixin, RuleRequiredMixin, TemplateView):
    """A lead's milestones (those of the activities their bodies lead) and their own updates. The milestones'
    rows come from the shared cache, each activity's as any of its leads sees them (activities/work_tables.py):
    the page reads the user's activities, and milestones only for the activities whose rows are missing."""

    permission_required = "activities.my_work"
    template_name = "activities/my_work.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        plan = workplan_of(self.request)
        activity_ids = list(Activity.objects.filter(lead_body__leads=user, accomplishment__work_plan=plan)
                            .order_by("accomplishment__order", "number", "pk").values_list("pk", flat=True))
        rows = my_work_rows(activity_ids, plan_id=plan.pk, today=clock.today(self.request))
        ctx["page"] = Paginator(rows, MY_WORK_PAGE).get_page(self.request.GET.get("page"))
        ctx["my_updates"] = my_updates_in_progress(user, plan)
        ctx["bodies"] = LeadBody.objects.filter(leads=user)
        ctx["other_work"] = [(source.name, source.my_work(user)) for source in work_sources.sources()]
        return ctx


# Contributions -------------------------------------------------------------------------------


def contribution_members(user):
    from accomplishments.models import Member

    if user.has_perm("activities.manage_plan"):
        return Member.objects.all()
    return Member.objects.filter(pk__in=focal_member_ids(user))


class MyContributionsView(RoleRequiredMixin, RuleRequiredMixin, ListView):
    """The contributions of the user's own member(s), with totals by year and kind."""

    permission_required = "activities.add_contribution"
    template_name = "activities/contribution_mine.html"
    paginate_by = PAGE_SIZE
    context_object_name = "contributions"

    def get_queryset(self):
        self.members = contribution_members(self.request.user)
        return (Contribution.objects.filter(member__in=self.members,
                                            activity__accomplishment__work_plan=workplan_of(self.request))
                .select_related("member", "activity__accomplishment")
                .order_by("-year", "activity__accomplishment__order", "activity__number", "pk"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = Contribution.objects.filter(member__in=self.members,
                                         activity__accomplishment__work_plan=workplan_of(self.request))
        ctx["totals"] = list(qs.values("year", "kind").annotate(days=Sum("staff_days"), usd=Sum("amount_usd"))
                             .order_by("year", "kind"))
        kinds = dict(Contribution.Kind.choices)
        for row in ctx["totals"]:
            row["kind_label"] = kinds[row["kind"]]
        ctx["grand"] = qs.aggregate(days=Sum("staff_days"), usd=Sum("amount_usd"))
        ctx["members"] = self.members
        return ctx


class ContributionCreateView(WriteRetryMixin, RoleRequiredMixin, RuleRequiredMixin, CreateView):
    permission_required = "activities.add_contribution"
    form_class = ContributionEditForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "Record a contribution"}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "members": contribution_members(self.request.user),
                "plan_id": getattr(workplan_of(self.request), "pk", None)}

    def get_initial(self):
        return {"year": clock.today(self.request).year, "activity": self.request.GET.get("activity")}

    def form_valid(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            self.object = services.contribution_record(data=data, by=self.request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Contribution recorded: {self.object}.")
        return HttpResponseRedirect(reverse("activities:contribution-mine"))


class ContributionDetailView(RoleRequiredMixin, PermissionRequiredMixin, DetailView):
    permission_required = "activities.view_contribution"
    template_name = "activities/contribution_detail.html"
    queryset = Contribution.objects.select_related("member", "activity__accomplishment", "created_by")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, history=history_for(self.object))


class ContributionEditView(RoleRequiredMixin, PermissionRequiredMixin, VersionedUpdateView):
    permission_required = "activities.change_contribution"
    model = Contribution
    form_class = ContributionEditForm
    extra_context = {"title": "Edit contribution"}

    def get_queryset(self):
        return Contribution.objects.select_related("member", "activity__accomplishment__work_plan")

    def form_extra(self):
        return {"members": contribution_members(self.request.user), "plan_id": self.object_plan_id()}

    def get_success_url(self):
        return reverse("activities:contribution-detail", args=[self.object.pk])


class ContributionDeleteView(RoleRequiredMixin, PermissionRequiredMixin, VersionedDeleteView):
    permission_required = "activities.change_contribution"
    model = Contribution
    success_url = reverse_lazy("activities:contribution-mine")

    def get_permission_object(self):
        return self.get_object()


# Lead bodies (secretariat) -------------------------------------------------------------------


class LeadBodyListView(RoleRequiredMixin, RuleRequiredMixin, ListView):
    permission_required = "activities.view_plan"
    template_name = "activities/leadbody_list.html"
    paginate_by = PAGE_SIZE
    queryset = LeadBody.objects.select_related("lead_member").prefetch_related("leads", "members").annotate(
        activity_count=Count("activities", distinct=True)).order_by("name")  # Meta.ordering is not used with GROUP BY


class LeadBodyCreateView(WriteRetryMixin, RoleRequiredMixin, RuleRequiredMixin, CreateView):
    permission_required = "activities.manage_plan"
    model = LeadBody
    fields = ["kind", "name", "short_name", "lead_member", "members", "leads"]
    template_name = "includes/form_page.html"
    extra_context = {"title": "New lead body"}
    success_url = reverse_lazy("activities:leadbody-list")

    def form_valid(self, form):
        try:
            self.object = services.lead_body_save(lead_body=self.object, data=form.cleaned_data, by=self.request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Lead body “{self.object.name}” created.")
        return HttpResponseRedirect(self.get_success_url())


class LeadBodyEditView(WriteRetryMixin, RoleRequiredMixin, RuleRequiredMixin, UpdateView):
    permission_required = "activities.manage_plan"
    model = LeadBody
    fields = ["kind", "name", "short_name", "lead_member", "members", "leads"]
    template_name = "includes/form_page.html"
    extra_context = {"title": "Edit lead body"}
    success_url = reverse_lazy("activities:leadbody-list")

    def form_valid(self, form):
        try:
            self.object = services.lead_body_save(lead_body=self.object, data=form.cleaned_data, by=self.request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Lead body “{self.object.name}” saved.")
        return HttpResponseRedirect(self.get_success_url())


class LeadBodyDeleteView(RoleRequiredMixin, RuleRequiredMixin, PlanDeleteView):
    permission_required = "activities.manage_plan"
    model = LeadBody
    delete_service = staticmethod(services.lead_body_delete)
    success_url = reverse_lazy("activities:leadbody-list")

    def get_permission_object(self):
        return None



# Carry-over: unfinished milestones of the plan that was current continue in the next ---------------------


def carry_over_source(plan):
    """The plan whose unfinished milestones may continue in `plan`: the current plan, or, when `plan` is the
    current one, the latest earlier plan that is not closed."""
    from accomplishments.models import WorkPlan

    others = WorkPlan.objects.exclude(pk=plan.pk).exclude(status__in=[WorkPlan.Status.DRAFT, WorkPlan.Status.CLOSED])
    current = others.filter(status=WorkPlan.Status.CURRENT).first()
    return current or others.filter(first_year__lte=plan.first_year).order_by("-first_year", "-pk").first()


class CarryOverView(WriteRetryMixin, RoleRequiredMixin, RuleRequiredMixin, TemplateView):
    """The secretariat chooses which unfinished milestones of the earlier plan continue in this one."""

    permission_required = "activities.manage_plan"
    template_name = "activities/carry_over.html"

    def dispatch(self, request, *args, **kwargs):
        from accomplishments.models import WorkPlan

        self.plan = get_object_or_404(WorkPlan, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        source = carry_over_source(self.plan)
        rows = []
        if source is not None:
            milestones = list(
                Milestone.objects.filter(activity__accomplishment__work_plan=source, status__in=services.UNFINISHED)
                .select_related("activity__accomplishment", "parent", "due_meeting")
                .order_by("activity__accomplishment__order", "activity__number", "parent__order", "parent__label",
                          "parent_id", "order", "label")
            )
            copies = {m.carried_from_id: m for m in Milestone.objects.filter(
                carried_from__in=milestones, activity__accomplishment__work_plan=self.plan).select_related(
                "activity__accomplishment", "parent")}
            rows = [(m, copies.get(m.pk)) for m in milestones]
        ctx.update(plan=self.plan, source=source, rows=rows, chosen=set(self.request.POST.getlist("milestone")))
        return ctx

    def post(self, request, *args, **kwargs):
        ids = request.POST.getlist("milestone")
        if not ids or not all(i.isdigit() for i in ids):
            messages.error(request, "Choose at least one milestone to carry over.")
            return self.render_to_response(self.get_context_data(), status=400)
        try:
            copies = services.milestones_carry_over(milestones=[int(i) for i in ids], into_plan=self.plan,
                                                    by=request.user)
        except ValidationError as e:
            for text in e.messages:
                messages.error(request, text)
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, f"{len(copies)} milestone{'s' if len(copies) != 1 else ''} carried over into the "
                                  f"{self.plan.period} plan.")
        return HttpResponseRedirect(reverse("activities:carry_over", args=[self.plan.pk]))
