"""The division → district → thana field set that any form can take on."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from locations.models import District, Division, Thana
from locations.selectors import districts_of, divisions, thanas_of
from locations.validation import check_chain

LOCATION_FIELDS = ("division", "district", "thana")
MAX_ID = 2**63 - 1  # the largest BigAutoField value


def parse_id(raw):
    """(id, ok) for a submitted id: a missing value is (None, True); anything but a
    positive integer in ASCII digits that a database id can hold is (None, False)."""
    if raw is None or raw == "":
        return None, True
    raw = str(raw)
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19):
        return None, False
    value = int(raw)
    return (value, True) if 0 < value <= MAX_ID else (None, False)


class LocationChoiceField(forms.ModelChoiceField):
    """A choice of division, district or thana, labelled in the active language.

    `queryset` is what the select offers (the children of the chosen parent), but any row
    of `lookup` is accepted, so that the form's clean() can name the parent that a
    mismatched choice really belongs to rather than answer "not one of the choices"."""

    def __init__(self, queryset, *, lookup, **kwargs):
        self.lookup = lookup
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj):
        return obj.local_name

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        model = self.lookup.model
        if isinstance(value, model):
            value = value.pk
        try:
            return self.lookup.get(pk=value)
        except (ValueError, TypeError, ValidationError, model.DoesNotExist):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class LocationChainMixin:
    """A form's clean() for its `division`, `district` and `thana` fields: cleaned_data
    gets the chain made whole by locations.validation.check_chain (a missing parent
    filled in from its child), or the form gets its errors on those fields."""

    def clean(self):
        cleaned = super().clean()
        chosen = (cleaned.get(name) for name in LOCATION_FIELDS)
        try:
            chain = check_chain(*chosen, unknown=self.errors)
        except ValidationError as error:
            self.add_error(None, error)
        else:
            cleaned.update(zip(LOCATION_FIELDS, chain, strict=True))
        return cleaned


class LocationFieldsMixin(LocationChainMixin, forms.Form):
    """Division → district → thana fields for any form.

    Use it as the first base of a form or a ModelForm::

        class PatientForm(LocationFieldsMixin, forms.Form): ...

        class ProfileForm(LocationFieldsMixin, forms.ModelForm):
            class Meta:
                model = User
                fields = ["full_name", "division", "district", "thana"]

    (a ModelForm saves the three only when its Meta.fields names them). Set
    `location_required = True` on the class to require all three; they are optional by
    default. Render with crispy (`{{ form|crispy }}`) or field by field;
    `form.location_fields` gives the three bound fields in order.

    It guarantees:
    - cleaned_data holds a consistent chain (locations.validation.check_chain): a
      district outside the chosen division is an error on `district`, a thana outside
      the chosen district an error on `thana`, each naming where the choice really lies;
    - a missing parent is filled in from the child: a thana alone gives its district and
      division, a district alone its division (unless location_required, which asks for
      all three);
    - each select offers only the children of the chosen parent (from the submitted data,
      else the initial data or instance), in the active language's order, so that the
      form works without JavaScript: choosing a division and submitting shows its
      districts;
    - with htmx, changing the division reloads the district options
      (`locations:districts`, which also empties the thana select), and changing the
      district reloads the thana options (`locations:thanas`). The selects are targeted
      by their ids (`id_division`, `id_district`, `id_thana`, with the form's prefix),
      or by `data-location` when the form has no auto_id.
    """

    location_required = False

    division = LocationChoiceField(
        Division.objects.all(),
        lookup=Division.objects.all(),
        label=_("Division"),
        required=False,
        empty_label=_("Choose a division"),
    )
    district = LocationChoiceField(
        District.objects.none(),
        lookup=District.objects.select_related("division"),
        label=_("District"),
        required=False,
        empty_label=_("Choose a district"),
    )
    thana = LocationChoiceField(
        Thana.objects.none(),
        lookup=Thana.objects.select_related("district__division"),
        label=_("Thana / upazila"),
        required=False,
        empty_label=_("Choose a thana"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions()
        self.fields["district"].queryset = districts_of(self._chosen_id("division"))
        self.fields["thana"].queryset = thanas_of(self._chosen_id("district"))
        for name in LOCATION_FIELDS:
            self.fields[name].required = self.location_required
            self.fields[name].widget.attrs["data-location"] = name
        self._reload_on_change("division", "district", "locations:districts")
        self._reload_on_change("district", "thana", "locations:thanas")

    @property
    def location_fields(self):
        """The bound division, district and thana fields, for templates."""
        return [self[name] for name in LOCATION_FIELDS]

    def _chosen_id(self, name):
        """The id chosen for `name`: the submitted one if the form is bound, else the
        initial one (a ModelForm's instance included); None when there is none."""
        field = self.fields[name]
        if self.is_bound:
            raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        else:
            raw = self.get_initial_for_field(field, name)
        return parse_id(getattr(raw, "pk", raw))[0]

    def _select_id(self, name):
        """The id attribute the select of field `name` gets, as BoundField.auto_id."""
        html_name = self.add_prefix(name)
        if self.auto_id and "%s" in str(self.auto_id):
            return self.auto_id % html_name
        return html_name if self.auto_id else ""

    def _reload_on_change(self, parent, child, url_name):
        child_id = self._select_id(child)
        self.fields[parent].widget.attrs.update(
            {
                "hx-get": f"{reverse(url_name)}?blank=choose",
                "hx-target": f"#{child_id}" if child_id else f"next [data-location={child}]",
                "hx-trigger": "change",
            }
        )
