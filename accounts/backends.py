"""Model permissions only for staff: everyone else is governed by the rules in each app's permissions.py.

Django's ModelBackend would otherwise read two permission tables on every request for each user the
rules refuse; only the secretariat (staff) uses the admin, where model permissions matter. A permission
that has a rule is the rule's alone, so a rule that says no costs the staff no query either.
"""
import rules
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import Notice


class StaffModelBackend(ModelBackend):
    def has_perm(self, user_obj, perm, obj=None):
        if rules.perm_exists(perm):
            return False  # a rule decides it (the rules backend is asked first); no tables to read
        return user_obj.is_active and user_obj.is_staff and super().has_perm(user_obj, perm, obj=obj)

    def has_module_perms(self, user_obj, app_label):
        return user_obj.is_active and user_obj.is_staff and super().has_module_perms(user_obj, app_label)

    def get_user(self, user_id):
        """The signed-in user, with the number of unread notices the header shows read in the same query."""
        unread = (Notice.objects.filter(user=OuterRef("pk"), read_at__isnull=True).order_by()
                  .values("user").annotate(n=Count("pk")).values("n"))
        users = get_user_model()._default_manager.annotate(
            unread_notice_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0))
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
