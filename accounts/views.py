from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import audit, mobile_codes, services
from accounts.forms import (
    DoctorProfileForm,
    EmailChangeForm,
    MobileCodeForm,
    PatientProfileForm,
    PatientRegistrationForm,
)
from accounts.mobile import normalize_mobile
from accounts.models import CalendarFeed, PatientProfile, User
from accounts.redirects import requested_next
from accounts.registration import registration_page, send_mobile_code, verify_mobile_url
from appion.ratelimits import limit_password_checks, limit_posts


# Error reports (and the debug page) never show what was posted: passwords,
# symptoms and visit notes.
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@limit_posts(group="registration", key="ip", rate_setting="APPION_RATE_REGISTRATION")
def register_patient(request):
    return registration_page(
        request, PatientRegistrationForm, services.register_patient, _("Register as a patient")
    )


def profile_initial(user):
    """The profile form's values now: the user's own fields and their role profile's
    (the profile page's, and the starting point of the API's partial update)."""
    initial = {name: getattr(user, name) for name in services.USER_FIELDS}
    initial["photo"] = user.photo
    initial["notify_by"] = user.notify_by
    if user.role == User.Role.PATIENT:
        profile = PatientProfile.objects.filter(user=user).first()
        if profile:
            initial.update({name: getattr(profile, name) for name in services.PATIENT_FIELDS})
    elif user.role == User.Role.DOCTOR:
        profile = user.doctor_profile
        initial.update({name: getattr(profile, name) for name in services.DOCTOR_FIELDS})
    return initial


def asks_new_mobile(user, typed) -> bool:
    """Whether `typed` is a mobile number other than the account's: only a save that
    asks for one can learn whether another account has a number."""
    try:
        return normalize_mobile(typed) != user.mobile
    except ValidationError:
        return False  # refused as malformed before anyone's number is looked at


def changes_mobile(request):
    return asks_new_mobile(request.user, request.POST.get("mobile", ""))


def limit_profile_saves(changes_mobile, methods=("POST",)):
    """The limits on saving a profile (the page's POST, the API's PATCH and photo upload,
    counted together), per account and per address: each save can carry a 5 MB photo to
    decode. Saves that change the mobile number (`changes_mobile(request)`) are limited
    more tightly, since each can learn whether another account has a number (the form's
    refusal names no account but cannot hide that the number is taken, which its owner
    needs to know): a prober gets 5 numbers an hour per account and 20 per address,
    however many accounts, never the numbering plan. The address limits are the higher
    ones because mobile networks put many patients behind one address."""
    limits = [
        limit_posts(group="profile", key="ip", rate_setting="APPION_RATE_PROFILE", methods=methods),
        limit_posts(
            group="profile-account",
            key="user",
            rate_setting="APPION_RATE_PROFILE_ACCOUNT",
            methods=methods,
        ),
        limit_posts(
            group="mobile-change",
            key="ip",
            rate_setting="APPION_RATE_MOBILE_CHANGE",
            when=changes_mobile,
            methods=methods,
        ),
        limit_posts(
            group="mobile-change-account",
            key="user",
            rate_setting="APPION_RATE_MOBILE_CHANGE_ACCOUNT",
            when=changes_mobile,
            methods=methods,
        ),
    ]

    def decorator(view):
        for limit in reversed(limits):
            view = limit(view)
        return view

    return decorator


@login_required
@require_http_methods(["GET", "POST"])
@limit_profile_saves(changes_mobile)
def profile(request):
    """The user's own profile (its saves limited by limit_profile_saves)."""
    user = request.user
    form_class = DoctorProfileForm if user.role == User.Role.DOCTOR else PatientProfileForm
    posted = request.method == "POST"
    form = form_class(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial=profile_initial(user),
        user=user,
    )
    if request.method == "POST" and form.is_valid():
        was_verified = user.role == User.Role.DOCTOR and user.doctor_profile.is_verified
        mobile = user.mobile
        try:
            services.update_profile(user=user, data=form.cleaned_data)
        except services.AccountError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Your profile has been saved."))
            if user.mobile != mobile and send_mobile_code(request, user):
                return redirect(verify_mobile_url(reverse("accounts:profile")))
            if was_verified and not user.doctor_profile.is_verified:
                messages.warning(
                    request,
                    _(
                        "You changed details that an administrator verified (name, licence "
                        "number, specialization or qualifications). An administrator must "
                        "check them again; until then patients cannot find or book you."
                    ),
                )
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "calendar_feed": calendar_feed_addresses(request, user),
            "mobile_verification": mobile_codes.enabled(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify_mobile(request):
    """Verify the mobile number with the code sent by SMS; or send a new code. Then on to
    a local `next` (registration passes where the user was going), else the profile."""
    if not mobile_codes.enabled():
        raise Http404
    user = request.user
    next_url = requested_next(request)
    here = verify_mobile_url(next_url)
    form = MobileCodeForm()
    if request.method == "POST":
        if request.POST.get("action") == "send":
            send_mobile_code(request, user)
            return redirect(here)
        form = MobileCodeForm(request.POST)
        if form.is_valid():
            try:
                mobile_codes.check_code(user=user, code=form.cleaned_data["code"])
            except mobile_codes.CodeError as error:
                form.add_error("code", error.message)
            else:
                messages.success(
                    request,
                    _("Your mobile number is verified: messages now reach you by SMS."),
                )
                return redirect(next_url or "accounts:profile")
    return render(
        request,
        "accounts/verify_mobile.html",
        {
            "form": form,
            "next": next_url,
            "here": here,
            "verified": user.mobile_verified_at is not None,
            "code_waiting": mobile_codes.code_waiting(user),
        },
    )


def calendar_feed_addresses(request, user) -> dict | None:
    """The user's calendar feed with its two addresses (https, and webcal for calendar
    apps to subscribe to), or None when they have none yet."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        return None
    url = request.build_absolute_uri(reverse("scheduling:calendar_feed", args=[feed.secret]))
    return {"feed": feed, "https": url, "webcal": "webcal://" + url.split("://", 1)[1]}


@login_required
@require_http_methods(["GET", "POST"])
@limit_posts(group="profile-account", key="user", rate_setting="APPION_RATE_PROFILE_ACCOUNT")
def calendar_feed(request):
    """Make the user's private calendar address (POST), or a new one in place of the old
    (GET asks first: the old address stops working). Patients and doctors only."""
    user = request.user
    if user.role not in (User.Role.PATIENT, User.Role.DOCTOR):
        raise PermissionDenied
    has_feed = CalendarFeed.objects.filter(user=user).exists()
    if request.method == "POST":
        try:
            services.new_calendar_feed(user=user)
        except services.AccountError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _(
                    "Your new calendar address is below. The old one no longer works: "
                    "subscribe again with the new one in your calendar apps."
                )
                if has_feed
                else _("Your calendar address is ready. Add it to your calendar app."),
            )
        return redirect(reverse("accounts:profile") + "#calendar")
    return render(request, "accounts/calendar_feed_confirm.html", {"has_feed": has_feed})


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
@limit_password_checks
def change_email(request):
    """Ask for a new login email: it changes when the link sent there is followed."""
    form = EmailChangeForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.request_email_change(
                user=request.user, email=email, base_url=request.build_absolute_uri("/")
            )
        except services.AccountError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                _(
                    "We have sent a link to %(email)s. Your email address changes when you "
                    "follow it; until then, keep logging in with %(current)s."
                )
                % {"email": email, "current": request.user.email},
            )
            return redirect("accounts:profile")
    return render(request, "accounts/email_change.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def change_email_confirm(request, token):
    """The page the emailed link opens: it shows the change and makes it on POST, for
    the account that asked, once. A link that is broken, expired, spent or for another
    account says so and changes nothing."""
    try:
        if request.method == "POST":
            user = services.confirm_email_change(user=request.user, token=token)
            messages.success(
                request,
                _("Your email address has been changed. From now on, log in with %(email)s.")
                % {"email": user.email},
            )
            return redirect("accounts:profile")
        new_email = services.email_change_link(user=request.user, token=token)
    except services.AccountError as error:
        return render(request, "accounts/email_change_confirm.html", {"error": error.message})
    return render(request, "accounts/email_change_confirm.html", {"new_email": new_email})


@login_required
def dashboard(request):
    """Each role's landing page after login: patients land on their appointments, doctors
    on the portal and staff on the reports (by URL name, so that accounts imports neither
    app). Only an administrator account without staff access sees this page itself."""
    user = request.user
    if user.is_staff:
        return redirect("reports:overview")
    if user.role == User.Role.PATIENT:
        return redirect("scheduling:appointments")
    if user.role == User.Role.DOCTOR:
        return redirect("scheduling:portal")
    return render(request, "accounts/dashboard.html")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, recorded in the audit log."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(audit.Action.PASSWORD_CHANGE, user=self.request.user, request=self.request)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset request, recorded with the address asked for (whether or
    not an account has it: the page does not say, the audit log does)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(
            audit.Action.PASSWORD_RESET_REQUEST,
            request=self.request,
            email=audit.attempted_email(form.cleaned_data["email"]),
        )
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's setting of a new password from the emailed link, recorded."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(audit.Action.PASSWORD_RESET, user=form.user, request=self.request)
        return response
