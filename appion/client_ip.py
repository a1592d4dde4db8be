"""The client's address, one answer for the rate limits, django-axes' lockouts and the
audit log: REMOTE_ADDR, or the header named by CLIENT_IP_META_KEY when a reverse proxy
that sets that header itself is trusted (see README, Deploying)."""

from django.conf import settings


def client_ip(request):
    key = settings.CLIENT_IP_META_KEY or "REMOTE_ADDR"
    return request.META.get(key) or request.META.get("REMOTE_ADDR", "")
