from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from emgplan.health import healthz

admin.site.site_header = "EMG work plan: back office"
admin.site.site_title = "EMG back office"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password change (every signed-in user) and reset by e-mail: Django's views, templates in registration/.
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page links: send them to the icon.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("favicon.svg")), name="favicon"),
    path("", include("accomplishments.urls")),
    path("", include("activities.urls")),
    path("", include("decisions.urls")),
    path("", include("accounts.urls")),
    path("", include("overview.urls")),
    path("", include("reports.urls")),
    path("", include("cycles.urls")),
    path("", include("workplans.urls")),
]

if settings.EMG_BENCHMARK:  # the benchmark's baseline page (devtools, not the product): named, not imported
    urlpatterns += [path("", include("devtools.urls"))]

# Error pages in the site's layout (emgplan/errors.py).
handler400 = "emgplan.errors.bad_request"
handler403 = "emgplan.errors.permission_denied"
handler404 = "emgplan.errors.page_not_found"
handler500 = "emgplan.errors.server_error"
