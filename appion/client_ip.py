"""The client's address, one answer for the rate limits, django-axes' lockouts and the
audit log: REMOTE_ADDR, or the header named by CLIENT_IP_META_KEY when a reverse proxy
that sets that header itself is trusted (see README, Deploying)."""

import ipaddress

from django.conf import settings

# The answer when a request carries no usable address: gunicorn on a Unix socket gives an
# empty REMOTE_ADDR, a WSGI or ASGI server may give none, a proxy header may be garbled.
# Such clients are counted together: the limits stay on, where the rate limiter would
# otherwise fail the request (a 500) on a value that is not an address.
UNKNOWN = "0.0.0.0"


def client_ip(request):
    key = settings.CLIENT_IP_META_KEY or "REMOTE_ADDR"
    address = request.META.get(key) or request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return UNKNOWN
