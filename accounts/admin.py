"""Users and groups in the back office: the application sets roles, the admin does the rest (names, passwords,
deactivation), with the check against changes made since the form was opened (a role changed meanwhile stays).

Only superusers grant staff, superuser, groups or permissions, or touch a superuser's account.
"""
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from emgplan.admin_tools import OptimisticLockAdmin

PRIVILEGES = ("is_staff", "is_superuser", "groups", "user_permissions")

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class LockedUserAdmin(OptimisticLockAdmin, UserAdmin):
    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, *PRIVILEGES, "last_login", "date_joined")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # their password or e-mail would hand over a superuser's account
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Group)
class LockedGroupAdmin(OptimisticLockAdmin, GroupAdmin):
    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else (*fields, "permissions")
