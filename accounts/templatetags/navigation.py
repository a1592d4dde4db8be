"""`{% load navigation %}`: `{% return_path as back %}` gives the page that login and
register links return to (accounts.redirects.return_path); `user|needs_mobile_code`
whether to offer verifying the mobile number."""

from django import template

from accounts import mobile_codes, redirects

register = template.Library()


@register.simple_tag(takes_context=True)
def return_path(context):
    request = context.get("request")
    return redirects.return_path(request) if request is not None else ""


@register.filter
def needs_mobile_code(user) -> bool:
    """`{% if user|needs_mobile_code %}`: the user's mobile number could be verified and is
    not yet (accounts.mobile_codes)."""
    return mobile_codes.needs_verification(user)
