"""`{% load navigation %}`: `{% return_path as back %}` gives the page that login and
register links return to (accounts.redirects.return_path)."""

from django import template

from accounts import redirects

register = template.Library()


@register.simple_tag(takes_context=True)
def return_path(context):
    request = context.get("request")
    return redirects.return_path(request) if request is not None else ""
