from django.urls import path

from appion.messaging import views

app_name = "messaging"

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
]
