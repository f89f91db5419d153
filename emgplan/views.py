"""Small pieces every app's views share."""
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
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
