from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import BadRequest, ValidationError
from django.core.validators import validate_ipv46_address
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.views import View
from django.views.generic import CreateView, FormView, ListView, UpdateView

from emgplan import clock
from emgplan.views import RuleRequiredMixin, WriteRetryMixin

from .forms import ProfileForm, RoleForm, UserCreateForm
from .lockouts import locked_out, lockout_lift
from .models import Notice, Profile
from .services import user_role, user_roles_set


class UserListView(RuleRequiredMixin, ListView):
    permission_required = "accounts.manage_users"
    template_name = "accounts/user_list.html"
    paginate_by = 50
    queryset = User.objects.order_by("username").prefetch_related("groups", "lead_bodies", "focal_for")


class UserCreateView(WriteRetryMixin, RuleRequiredMixin, CreateView):
    permission_required = "accounts.manage_users"
    form_class = UserCreateForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "New user"}

    def get_success_url(self):
        messages.success(self.request, f"User {self.object.username} created: now give them a role.")
        return reverse("accounts:user-roles", args=[self.object.pk])


class UserRolesView(WriteRetryMixin, RuleRequiredMixin, FormView):
    """The secretariat sets a user's role and scope without the Django admin."""

    permission_required = "accounts.manage_users"
    form_class = RoleForm
    template_name = "includes/form_page.html"

    def dispatch(self, request, *args, **kwargs):
        self.subject = get_object_or_404(User.objects.prefetch_related(Prefetch("groups")), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, title=f"Role of {self.subject.get_full_name() or self.subject}")

    def get_initial(self):
        return {"role": user_role(self.subject), "lead_bodies": self.subject.lead_bodies.all(),
                "members": self.subject.focal_for.all()}

    def form_valid(self, form):
        user_roles_set(user=self.subject, role=form.cleaned_data["role"],
                       lead_bodies=form.cleaned_data["lead_bodies"], members=form.cleaned_data["members"],
                       by=self.request.user)
        messages.success(self.request, f"Role of {self.subject.username} saved.")
        return HttpResponseRedirect(reverse("accounts:user-list"))


class NoticeListView(RuleRequiredMixin, ListView):
    permission_required = "accounts.own_profile"
    template_name = "accounts/notice_list.html"
    paginate_by = 25

    def get_queryset(self):
        return Notice.objects.filter(user=self.request.user)


class NoticeReadAllView(WriteRetryMixin, RuleRequiredMixin, View):
    permission_required = "accounts.own_profile"
    http_method_names = ["post"]

    def post(self, request):
        n = Notice.objects.filter(user=request.user, read_at__isnull=True).update(read_at=clock.now())
        messages.success(request, f"{n} notice{'s' if n != 1 else ''} marked as read.")
        return HttpResponseRedirect(reverse("accounts:notice-list"))


class ProfileView(WriteRetryMixin, RuleRequiredMixin, UpdateView):
    permission_required = "accounts.own_profile"
    form_class = ProfileForm
    template_name = "includes/form_page.html"
    extra_context = {"title": "Your profile"}
    success_url = reverse_lazy("accounts:profile")

    def get_object(self, queryset=None):
        return Profile.objects.get_or_create(user=self.request.user)[0]

    def form_valid(self, form):
        messages.success(self.request, "Your preferences are saved.")
        return super().form_valid(form)


class LockoutListView(RuleRequiredMixin, View):
    """The secretariat sees who is locked out of sign-in (usernames and addresses) and lets them in again."""

    permission_required = "accounts.manage_users"

    def get(self, request):
        return render(request, "accounts/lockout_list.html", {"locked": locked_out()})

    def post(self, request):
        username = request.POST.get("username", "")[:255]
        ip_address = request.POST.get("ip_address", "")[:64]
        if "\x00" in username:
            raise BadRequest("A username has no NUL character.")
        if ip_address:
            try:
                validate_ipv46_address(ip_address)
            except ValidationError as exc:
                raise BadRequest("Not an IP address.") from exc
        if lockout_lift(username=username, ip_address=ip_address):
            messages.success(request, f"{username or ip_address} may sign in again.")
        else:
            messages.info(request, "Nothing to unlock: the lockout had already ended.")
        return HttpResponseRedirect(reverse("accounts:lockout-list"))
