"""Role checks, in one place. A logged-out visitor goes to the login page with `next`;
a logged-in user of the wrong role gets 403."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.models import User


def role_required(*roles, staff=False):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            allowed = (staff and user.is_staff) or (user.role in roles and user.is_active)
            if not allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


doctor_required = role_required(User.Role.DOCTOR)
staff_required = role_required(staff=True)
