from django.apps import AppConfig


class AppionConfig(AppConfig):
    name = "appion"
    verbose_name = "Appion"

    def ready(self):
        from appion import checks  # noqa: F401 - registers the system checks
