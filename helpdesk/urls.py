"""The site's URLs: the portal at the root, Django admin for configuration."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Help desk administration"
admin.site.site_title = "Help desk admin"
admin.site.index_title = "Configuration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("agents/", include("agents.urls")),
    path("api/", include("api.urls")),
    path("", include("portal.urls")),
]
