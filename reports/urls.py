from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.overview, name="overview"),
    path("reports/payments/", views.payments, name="payments"),
    path("reports/doctor/<int:doctor_id>/", views.doctor, name="doctor"),
    path("portal/report/", views.my_report, name="my_report"),
]
