from django.urls import path

from locations import views

app_name = "locations"
urlpatterns = [
    path("districts/", views.district_options, name="districts"),
    path("thanas/", views.thana_options, name="thanas"),
]
