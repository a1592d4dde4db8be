"""`{% load names %}`: `{{ row.name|local_name:row.name_bn }}` is the name in the active
language for rows that carry the two names rather than a model (see
locations.models.local_name); a model's own `{{ place.local_name }}` says the same."""

from django import template

from locations.models import local_name as name_in_active_language

register = template.Library()


@register.filter
def local_name(name, name_bn):
    return name_in_active_language(name, name_bn)
