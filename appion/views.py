import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import Error, InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from accounts.models import Specialization
from locations.models import Division


def home(request):
    return render(
        request,
        "home.html",
        {
            "specializations": Specialization.objects.order_by("name"),
            "divisions": Division.objects.all(),
        },
    )


def database_answers():
    """Whether the database answers a query now."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Error:  # OperationalError, InterfaceError ("connection already closed"), ...
        return False
    return True


@never_cache
def healthz(request):
    """200 when the app and its database answer; 503 (never a traceback) when not."""
    if not database_answers():
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return redirect(static("img/favicon.svg"))


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_400(request, exception=None):
    return render(request, "errors/400.html", status=400)


def error_500(request):
    """The page for an uncaught exception. When it was the database going away (a
    connection error, and the database does not answer now either) the visitor gets the
    503 page, "try again in a moment"; any other error, a connection error while the
    database answers included, stays a 500. Django has logged the exception either way.
    Once the database is back, the next request connects afresh (CONN_HEALTH_CHECKS)."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError) and not database_answers():
        response = render(request, "errors/503.html", status=503)
        response["Retry-After"] = "30"
        return response
    return render(request, "errors/500.html", status=500)


def switch_language(request, code):
    """Switch the interface language with a plain link (so that pages carry no form and
    can be cached for visitors); a logged-in user's emails follow the choice too."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    if request.user.is_authenticated and request.user.preferred_language != code:
        get_user_model().objects.filter(pk=request.user.pk).update(preferred_language=code)
    return response
