"""The registration page that patients and doctors share. Each kind of account brings
its form and its registering service: patients accounts.views.register_patient,
doctors scheduling.views.registration.register_doctor (their chamber hours belong to
scheduling)."""

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import mobile_codes, services
from accounts.redirects import requested_next
from appion.client_ip import client_ip

BACKEND = "accounts.backends.EmailBackend"


def send_mobile_code(request, user, *, message=None) -> bool:
    """Send `user` a code for their mobile number if it needs one (after registration,
    a new number on the profile, or asked for on the verification page); say so, or why
    not, in a message. True if one was sent."""
    if not mobile_codes.needs_verification(user):
        return False
    try:
        mobile_codes.send_code(user=user, ip=client_ip(request))
    except mobile_codes.CodeError as error:
        messages.warning(request, error.message)
        return False
    message = message or _(
        "We sent a 6-digit code by SMS to %(mobile)s. Enter it here to verify your number."
    )
    messages.info(request, message % {"mobile": user.mobile})
    return True


def verify_mobile_url(next_url="") -> str:
    url = reverse("accounts:verify_mobile")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def registration_page(request, form_class, register, template_title):
    """Validate `form_class`, register through `register(email=, password=, data=)`
    (which raises services.AccountError to refuse), log the new user in and send them to
    the page they came from (a local `next`), else to the dashboard. A logged-in user
    is sent there at once."""
    next_url = requested_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "accounts:dashboard")
    posted = request.method == "POST"
    form = form_class(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = register(email=data["email"], password=data["password1"], data=data)
        except services.AccountError as error:
            form.add_error(error.field, error.message)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome to Appion, %(name)s!") % {"name": user.full_name})
            if send_mobile_code(request, user):
                return redirect(verify_mobile_url(next_url or reverse("accounts:dashboard")))
            return redirect(next_url or "accounts:dashboard")
    return render(
        request,
        "accounts/register.html",
        {
            "form": form,
            "title": template_title,
            "next": next_url,
            "next_query": f"?next={quote(next_url)}" if next_url else "",
        },
    )
