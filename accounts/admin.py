"""Users and groups in the back office: the application sets roles, the admin does the rest (names, passwords,
deactivation), with the check against changes made since the form was opened (a role changed meanwhile stays)."""
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from emgplan.admin_tools import OptimisticLockAdmin

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class LockedUserAdmin(OptimisticLockAdmin, UserAdmin):
    pass


@admin.register(Group)
class LockedGroupAdmin(OptimisticLockAdmin, GroupAdmin):
    pass
