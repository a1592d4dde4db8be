from django.contrib.admin.apps import AdminConfig


class AppionAdminConfig(AdminConfig):
    default_site = "appion.admin.AppionAdminSite"
