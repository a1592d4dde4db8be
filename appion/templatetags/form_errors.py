"""`{% load form_errors %}`: `{% form_error_summary form other_form %}` puts the summary of
a page's form errors at the top of its form (partials/form_errors.html): the errors that
belong to no field, then each field's errors as a link to that field, so that a person on
a phone or with a screen reader reaches each one without hunting down the page. The
errors beside the fields stay (crispy renders them)."""

from dataclasses import dataclass

from django import template

register = template.Library()


@dataclass(frozen=True)
class FieldError:
    target: str  # the id of the field's input, for the link
    label: str
    messages: list


def _target(bound) -> str:
    """The id of the element that takes the focus: a radio or checkbox group has no
    label target of its own (Django gives none), so its first choice."""
    if bound.id_for_label:
        return bound.id_for_label
    subwidgets = bound.subwidgets
    return subwidgets[0].id_for_label if subwidgets else bound.auto_id or ""


@register.inclusion_tag("partials/form_errors.html")
def form_error_summary(*forms):
    """Arguments that are not bound forms (an absent optional form) are left out."""
    general, fields = [], []
    for form in forms:
        if not hasattr(form, "errors") or not form.is_bound or not form.errors:
            continue
        general += list(form.non_field_errors())
        for bound in form:
            if not bound.errors:
                continue
            if bound.is_hidden:
                general += list(bound.errors)
            else:
                fields.append(FieldError(_target(bound), bound.label, list(bound.errors)))
    return {"has_errors": bool(general or fields), "general": general, "fields": fields}
