"""The back office (/admin/) without lost updates.

Two kinds of model admin:

- `EditInAppAdmin`: a record the application has pages for is read-only here, for everyone. Its pages
  keep the rules (permissions, optimistic locking, history with the author, checks on files and
  links), so the back office shows it and points to the page where it is edited.
- `OptimisticLockAdmin`: what the application has no page for stays editable here, with optimistic
  locking. The change form carries a token: a digest of every stored value of the row, of its
  many-to-many fields and of the rows of its editable inlines, and the latest history id. On save,
  the row is locked (SELECT ... FOR UPDATE, inside the transaction the admin wraps the save in) and
  compared with the token; if anyone changed it in between, the save is refused with what changed,
  by whom and when, and the form keeps what the user typed. Digests rather than a version number
  catch every writer, including those that do not bump a version (tasks, other admins, the app's
  role page on a user) and many-to-many changes that leave the row itself untouched.

simple_history's "revert" form saves without either guarantee, so it is not offered: an older
version is shown read-only, and a POST to it is refused.

This module is core: it imports no domain app; each app's admin.py chooses a base for each model.
"""
import datetime
import hashlib
import json

from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models.fields.related import ManyToManyField
from django.forms.models import _get_foreign_key
from django.http import HttpResponseRedirect
from django.template.loader import select_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator

LOCK_FIELD = "_emg_lock"
_SALT = "emgplan.admin_tools.lock"
# Values never repeated in a conflict message (the field is named, its value is not).
_SECRET_FIELDS = {"password"}


class _EmgChangeFormMixin:
    """Renders the change form through one template that adds the note and the lock token."""

    change_form_template = "admin/emg_change_form.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        opts = self.opts
        context["emg_base_template"] = select_template([
            f"admin/{opts.app_label}/{opts.model_name}/change_form.html",
            f"admin/{opts.app_label}/change_form.html",
            "admin/change_form.html",
        ])
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # simple_history's revert view saves with neither the app's rules nor a lock.
    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)


# Read-only plan models -----------------------------------------------------------------------


class NoWrites:
    """Shows rows and writes none: no add, change or delete, whatever the user's permissions."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(NoWrites):
    """An inline that shows its rows and writes none."""


class EditInAppAdmin(NoWrites, _EmgChangeFormMixin):
    """A model the application edits on its own pages: view-only here, with a link to that page.

    `app_url_name` is the URL name of the object's page in the app (it takes the pk); `app_list_url_name`
    the page where new ones are added, if any.
    """

    app_url_name: str | None = None
    app_list_url_name: str | None = None
    read_only_note = ("This record is read-only in the back office: it is edited in the application, where "
                      "permissions, the check against changes made meanwhile and its history apply.")
    change_list_template = "admin/emg_change_list.html"

    def app_url(self, object_id) -> str | None:
        if not self.app_url_name:
            return None
        try:
            return reverse(self.app_url_name, args=[object_id])
        except NoReverseMatch:
            return None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "emg_app_url": self.app_url(object_id),
                         "emg_read_only": self.read_only_note}
        return super().change_view(request, object_id, form_url=form_url, extra_context=extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.app_list_url_name:
            extra_context = {**extra_context, "emg_app_list_url": reverse(self.app_list_url_name)}
        return super().changelist_view(request, extra_context=extra_context)


# Optimistic locking --------------------------------------------------------------------------


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, default=str, sort_keys=True).encode()).hexdigest()[:16]


class _LockCheckForm:
    """Mixed into the admin's form class: clean() locks the row and refuses a stale form."""

    lock_admin = None

    def clean(self):
        data = super().clean()
        if self.instance.pk is not None:
            self.lock_admin.lock_check(self.instance.pk, self.data.get(LOCK_FIELD))
        return data


class OptimisticLockAdmin(_EmgChangeFormMixin):
    """A ModelAdmin mixin: a change form saved after someone else changed the record is refused."""

    # Inlines whose rows the change form writes take part in the lock; ReadOnlyInline ones do not.

    def _editable_inline_models(self):
        found = []
        for inline in self.inlines:
            if issubclass(inline, ReadOnlyInline):
                continue
            fk = _get_foreign_key(self.model, inline.model, fk_name=getattr(inline, "fk_name", None))
            found.append((inline.model, fk.name))
        return found

    def _history_manager(self, obj):
        name = getattr(self.model._meta, "simple_history_manager_attribute", None)
        return getattr(obj, name) if name else None

    def lock_state(self, obj, *, for_update: bool = False) -> dict:
        """What the token stands for: a digest per field (concrete, many-to-many, editable inlines)."""
        state = {}
        for f in obj._meta.concrete_fields:
            state[f.name] = _digest(f.value_to_string(obj))
        for f in obj._meta.many_to_many:
            if isinstance(f, ManyToManyField):
                state[f.name] = _digest(sorted(getattr(obj, f.name).values_list("pk", flat=True)))
        for model, fk_name in self._editable_inline_models():
            rows = model._default_manager.filter(**{fk_name: obj.pk}).order_by("pk")
            if for_update:
                rows = rows.select_for_update()
            fields = [f.attname for f in model._meta.concrete_fields]
            state[f"inline:{model._meta.model_name}"] = _digest(list(rows.values_list(*fields)))
        return state

    def lock_token(self, obj) -> str:
        history = self._history_manager(obj)
        latest = history.order_by("-history_id").values_list("history_id", flat=True).first() if history else None
        return signing.dumps({"s": self.lock_state(obj), "h": latest, "t": timezone.now().isoformat()},
                             salt=_SALT, compress=True)

    def lock_check(self, pk, token: str | None, *, deleting: bool = False) -> None:
        """Lock the row; raise ValidationError (what changed, by whom, when) unless the token is current."""
        current = self.model._default_manager.select_for_update().get(pk=pk)
        if not token:
            raise ValidationError(
                "This form came without its version mark, so it cannot be checked against changes made "
                "since it was opened. Nothing was changed: reload the page and make your change again.",
                code="version_missing")
        try:
            seen = signing.loads(token, salt=_SALT)
        except signing.BadSignature:
            raise ValidationError("This form's version mark is not valid. Nothing was changed: reload the page "
                                  "and make your change again.", code="version_invalid") from None
        now = self.lock_state(current, for_update=True)
        changed = [name for name, digest in now.items() if seen["s"].get(name) != digest]
        if changed:
            raise ValidationError(self._conflict_message(current, changed, seen, deleting=deleting),
                                  code="changed_meanwhile")

    # The message -------------------------------------------------------------------------------

    def _field_label(self, obj, name: str) -> str:
        if name.startswith("inline:"):
            model = next(m for m, _ in self._editable_inline_models() if m._meta.model_name == name[7:])
            return str(model._meta.verbose_name_plural)
        return str(obj._meta.get_field(name).verbose_name)

    def _field_now(self, obj, name: str) -> str | None:
        if name.startswith("inline:") or name in _SECRET_FIELDS:
            return None
        f = obj._meta.get_field(name)
        if f.many_to_many:
            value = ", ".join(str(o) for o in getattr(obj, name).all()) or "none"
        elif f.choices:
            value = getattr(obj, f"get_{name}_display")()
        else:
            value = getattr(obj, name)
            if isinstance(value, datetime.datetime):
                value = date_format(timezone.localtime(value), "j M Y H:i")
            value = "empty" if value in (None, "") else str(value)
        return Truncator(value).chars(80)

    def _who_and_when(self, obj, seen) -> tuple[list[str], object]:
        """The people and the last time of the changes since the form was opened: history, else the admin log."""
        history = self._history_manager(obj)
        people, when = [], None
        if history is not None and seen.get("h") is not None:
            rows = history.filter(history_id__gt=seen["h"]).select_related("history_user").order_by("history_id")
            for row in rows:
                user = row.history_user
                name = (user.get_full_name() or user.username) if user else "the system"
                if name not in people:
                    people.append(name)
                when = row.history_date
        if not people:
            opened = datetime.datetime.fromisoformat(seen["t"])
            entries = (LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(self.model),
                                               object_id=str(obj.pk), action_time__gt=opened)
                       .select_related("user").order_by("action_time"))
            for entry in entries:
                name = entry.user.get_full_name() or entry.user.username
                if name not in people:
                    people.append(name)
                when = entry.action_time
        return people, when

    def _conflict_message(self, obj, changed: list[str], seen, *, deleting: bool = False) -> str:
        people, when = self._who_and_when(obj, seen)
        who = " and ".join(people) if people else "someone (or the application)"
        at = f" on {date_format(timezone.localtime(when), 'j M Y')} at {timezone.localtime(when):%H:%M}" if when else ""
        parts = []
        for name in changed:
            now = self._field_now(obj, name)
            label = self._field_label(obj, name)
            parts.append(f"{label} (now “{now}”)" if now is not None else label)
        if deleting:
            return (f"Not deleted: {who} changed this record{at}, after you asked to delete it. Changed: "
                    f"{'; '.join(parts)}. Here it is as it stands now; delete it again if it should still go.")
        return (f"Not saved: {who} changed this record{at}, after you opened this form. Changed: "
                f"{'; '.join(parts)}. What you typed is kept below; compare it with the current record (open it "
                f"in another tab) and save again to replace their change, or reload to start from theirs.")

    # Wiring into the admin -----------------------------------------------------------------------

    delete_confirmation_template = "admin/emg_delete_confirmation.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form
        return type(form.__name__, (_LockCheckForm, form), {"lock_admin": self})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None and obj.pk is not None:
            # Read again: after a refused save `obj` holds what the user typed, and the token must
            # stand for what is stored now, so that saving again (knowingly) goes through.
            context["emg_lock_field"] = LOCK_FIELD
            context["emg_lock_token"] = self.lock_token(self.model._default_manager.get(pk=obj.pk))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def render_delete_form(self, request, context):
        obj = context.get("object")
        if obj is not None and obj.pk is not None:
            context["emg_lock_field"] = LOCK_FIELD
            context["emg_lock_token"] = self.lock_token(obj)
        return super().render_delete_form(request, context)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id)) if request.method == "POST" else None
        if obj is not None and "post" in request.POST and self.has_delete_permission(request, obj):
            # The check and the delete in one transaction, under the row lock (the admin's own
            # transaction nests inside this one).
            with transaction.atomic(using=router.db_for_write(self.model)):
                try:
                    self.lock_check(obj.pk, request.POST.get(LOCK_FIELD), deleting=True)
                except self.model.DoesNotExist:
                    pass  # deleted meanwhile: the admin answers for a record that is gone
                except ValidationError as refused:
                    self.message_user(request, refused.messages[0], messages.ERROR)
                    return HttpResponseRedirect(reverse(
                        f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_change",
                        args=[object_id]))
                return super().delete_view(request, object_id, extra_context=extra_context)
        return super().delete_view(request, object_id, extra_context=extra_context)
