from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import path, reverse_lazy

from accounts import views
from accounts.forms import LoginForm
from appion.ratelimits import email_entered, limit_password_checks, limit_posts

# Each reset sends an email: limit them per address and per inbox.
password_reset = limit_posts(
    group="password-reset", key="ip", rate_setting="APPION_RATE_PASSWORD_RESET"
)(
    limit_posts(
        group="password-reset-email",
        key=email_entered,
        rate_setting="APPION_RATE_PASSWORD_RESET_EMAIL",
    )(
        views.PasswordResetView.as_view(
            template_name="accounts/password_reset_form.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        )
    )
)

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    # Django's LogoutView accepts POST only; a GET gets 405.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/patient/", views.register_patient, name="register_patient"),
    # Doctor registration also sets the chamber hours, so it lives in scheduling.
    path("profile/", views.profile, name="profile"),
    path("profile/email/", views.change_email, name="change_email"),
    path("profile/mobile/", views.verify_mobile, name="verify_mobile"),
    path("profile/calendar/", views.calendar_feed, name="calendar_feed"),
    path(
        "profile/email/confirm/<str:token>/",
        views.change_email_confirm,
        name="change_email_confirm",
    ),
    path("dashboard/", views.dashboard, name="dashboard"),
    path(
        "password/change/",
        login_required(
            limit_password_checks(
                views.PasswordChangeView.as_view(
                    template_name="accounts/password_change_form.html",
                    success_url=reverse_lazy("accounts:password_change_done"),
                )
            )
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("password/reset/", password_reset, name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
