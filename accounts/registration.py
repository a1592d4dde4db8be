"""The registration page that patients and doctors share. Each kind of account brings
its form and its registering service: patients accounts.views.register_patient,
doctors scheduling.views.registration.register_doctor (their chamber hours belong to
scheduling)."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import services
from accounts.redirects import requested_next

BACKEND = "accounts.backends.EmailBackend"


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
