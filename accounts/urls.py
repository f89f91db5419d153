from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/new/", views.UserCreateView.as_view(), name="user-create"),
    path("users/lockouts/", views.LockoutListView.as_view(), name="lockout-list"),
    path("users/<int:pk>/role/", views.UserRolesView.as_view(), name="user-roles"),
    path("notices/", views.NoticeListView.as_view(), name="notice-list"),
    path("notices/read/", views.NoticeReadAllView.as_view(), name="notice-read-all"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
]
