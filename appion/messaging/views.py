from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

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
