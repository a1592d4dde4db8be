from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseStopPolling

from appion.messaging import services
from appion.messaging.models import Notification

PAGE_SIZE = 20


@login_required
@require_http_methods(["GET", "HEAD"])
def notification_list(request):
    """The user's notifications, latest first; opening the list marks them all read (the
    page still marks those that were new)."""
    mine = Notification.objects.filter(recipient=request.user)
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    new = {notification.pk for notification in page if notification.read_at is None}
    services.mark_read(mine)
    return render(request, "messaging/notification_list.html", {"page": page, "new": new})


@require_GET
def notification_bell(request):
    """The navbar's bell alone (htmx partial): its region refetches it when the user's
    socket says a notification was written, and every 30 s. A session that has ended
    meanwhile (logged out in another tab) gets no bell and stops its polling (286, empty),
    rather than the login page inside the navbar."""
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponseStopPolling()
        return redirect_to_login(request.get_full_path())
    return render(request, "messaging/partials/bell.html")
