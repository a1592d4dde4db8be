from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from appion import views
from appion.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("api/v1/", api.urls),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("language/<str:code>/", views.switch_language, name="language"),
    path("accounts/", include("accounts.urls")),
    path("locations/", include("locations.urls")),
    path("admin/", admin.site.urls),
    path("", include("scheduling.urls")),
    path("", include("reports.urls")),
    path("", include("appion.messaging.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "appion.views.error_400"
handler403 = "appion.views.error_403"
handler404 = "appion.views.error_404"
handler500 = "appion.views.error_500"
