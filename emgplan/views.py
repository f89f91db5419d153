"""Small pieces every app's views share. Imports no domain app: writes go through the service a view names."""
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import DatabaseError
from django.db.models import ProtectedError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import DeleteView
from rules.contrib.views import PermissionRequiredMixin

from .roles import has_role


class RoleRequiredMixin(AccessMixin):
    """Before any object is looked up: anonymous visitors go to sign-in, users without a role get 403."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user):
            raise PermissionDenied("Your account has no role yet: ask the EMG secretariat.")
        return super().dispatch(request, *args, **kwargs)


class RuleRequiredMixin(PermissionRequiredMixin):
    """Anonymous visitors go to sign-in; signed-in users without the rule get 403."""

    def get_permission_object(self):
        return None


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def redirect_with_message(request, url, text, level=messages.SUCCESS):
    messages.add_message(request, level, text)
    return HttpResponseRedirect(url)


def id_param(request, name: str) -> int | None:
    """The row id in ?name=, None when absent; anything but a whole number is a 400, not a database error."""
    value = request.GET.get(name)
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadRequest(f"?{name}= must be the number of a row.")
    return int(value)


BUSY_MESSAGE = "The database was busy and your change was not saved. Your text is kept below: save again."
BUSY_FILES = "The files you attached were not saved: attach them again."


class WriteRetryMixin:
    """A write (POST) runs in one transaction, run again once if the database aborts it for a deadlock or a
    serialisation failure (emgplan.db). If it fails again the user gets 503 with what they typed: the form
    with an error (files must be attached again: browsers cannot refill a file field), never a 500.

    Place it before the generic view class in the bases: it wraps the rest of dispatch().
    """

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return super().dispatch(request, *args, **kwargs)
        from .db import atomic_with_retry, is_transient

        queued = len(_queued_messages(request))

        def rewind():
            del _queued_messages(request)[queued:]  # the aborted run's "saved" messages
            for upload in request.FILES.values():
                _rewind_upload(upload)

        try:
            return atomic_with_retry(lambda: super(WriteRetryMixin, self).dispatch(request, *args, **kwargs),
                                     before_retry=rewind)
        except DatabaseError as exc:
            if not is_transient(exc):
                raise
            rewind()
            response = self.write_failed(request, " ".join([BUSY_MESSAGE] + [BUSY_FILES] * bool(request.FILES)))
            if response.status_code == 503:
                response["Retry-After"] = "2"
            return response

    def write_failed(self, request, message: str):
        """The answer (503) when the write failed twice: the view's form again, with the user's input and the
        message. A view without a generic form says what to show instead (htmx swaps only a 2xx answer)."""
        if hasattr(self, "get_form"):
            from django.views.generic.edit import BaseDeleteView, BaseUpdateView

            if getattr(self, "object", None) is None:
                self.object = self.get_object() if isinstance(self, BaseUpdateView | BaseDeleteView) else None
            form = self.get_form()
            form.add_error(None, message)
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 503
            return response
        # Without a form to show again: what the user typed (values with a space: sentences, not codes or ids).
        kept = [(name, value) for name, value in request.POST.items()
                if name != "csrfmiddlewaretoken" and " " in value.strip()]
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "/"
        return render(request, "includes/write_failed.html", {"message": message, "kept": kept, "back": back},
                      status=503)


def _queued_messages(request) -> list:
    return getattr(getattr(request, "_messages", None), "_queued_messages", [])


def _rewind_upload(upload) -> None:
    """Make an upload readable again from its start. The file system storage moves a large upload's temporary
    file into place: if the aborted run moved it, copy what the still-open file holds to a new temporary file."""
    import os
    import shutil
    import tempfile

    upload.seek(0)
    path = getattr(upload, "temporary_file_path", None)
    if path is not None and not os.path.exists(path()):
        copy = tempfile.NamedTemporaryFile(suffix=".upload" + os.path.splitext(upload.name)[1])
        shutil.copyfileobj(upload.file, copy)
        copy.seek(0)
        moved, upload.file = upload.file, copy
        try:
            moved.close()
        except FileNotFoundError:  # its name is gone (moved); the descriptor is closed all the same
            pass


class MoveView(WriteRetryMixin, RoleRequiredMixin, PermissionRequiredMixin, View):
    """Move an item one place up or down among its siblings (POST only), through the app's service.

    A subclass sets `model`, `permission_required`, `move = staticmethod(<service>(*, obj, direction, by))`
    and `back_url` (where to go when the form sends no safe `next`).
    """

    model = None
    move = None
    back_url = "/"
    http_method_names = ["post"]

    def get_permission_object(self):
        return None

    def post(self, request, pk, direction):
        obj = get_object_or_404(self.model, pk=pk)
        if direction not in ("up", "down"):
            raise Http404
        if self.move(obj=obj, direction=direction, by=request.user):
            messages.success(request, f"{obj} moved {direction}.")
        else:
            messages.info(request, f"{obj} is already at the {'top' if direction == 'up' else 'bottom'}.")
        return HttpResponseRedirect(safe_next(request, str(self.back_url)))


class PlanDeleteView(WriteRetryMixin, DeleteView):
    """Confirm, then delete through the app's service: `delete = staticmethod(<service>(obj, *, by))`.

    A row other records still point at (PROTECT) is refused with a message, and nothing is deleted.
    """

    template_name = "includes/confirm_delete.html"
    delete_service = None

    def get_permission_object(self):
        return None

    def form_valid(self, form):
        label = str(self.object)
        try:
            self.delete_service(self.object, by=self.request.user)
        except ProtectedError:
            messages.error(self.request, f"{label} cannot be deleted: other records still refer to it.")
            return HttpResponseRedirect(self.request.path)
        messages.success(self.request, f"{label} deleted.")
        return HttpResponseRedirect(self.get_success_url())
