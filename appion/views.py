from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def home(request):
    from accounts.models import Specialization
    from locations.models import Division

    return render(
        request,
        "home.html",
        {
            "specializations": Specialization.objects.order_by("name"),
            "divisions": Division.objects.all(),
        },
    )


@never_cache
def healthz(request):
    """200 when the app and its database answer; 503 (never a traceback) when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_400(request, exception=None):
    return render(request, "errors/400.html", status=400)


def error_500(request):
    return render(request, "errors/500.html", status=500)
