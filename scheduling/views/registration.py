"""Doctor registration: the account, the profile and the chamber hours of a usual week."""

from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.registration import registration_page
from appion.ratelimits import limit_posts
from scheduling import services
from scheduling.forms import DoctorRegistrationForm


# Error reports (and the debug page) never show what was posted: passwords,
# symptoms and visit notes.
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@limit_posts(group="registration", key="ip", rate_setting="APPION_RATE_REGISTRATION")
def register_doctor(request):
    return registration_page(
        request, DoctorRegistrationForm, services.register_doctor, _("Register as a doctor")
    )
