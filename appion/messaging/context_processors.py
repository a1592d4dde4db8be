from django.utils.functional import SimpleLazyObject

from appion.messaging import services


def unread_notifications(request):
    """`unread_notifications`: the bell's count for a logged-in user, counted once per
    page (one indexed query) and only if the page shows it; None for visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": None}
    return {"unread_notifications": SimpleLazyObject(lambda: services.unread_count(user))}
