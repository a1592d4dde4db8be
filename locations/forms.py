from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from locations.models import District, Division, Thana
from locations.selectors import name_order


class LocationFieldsMixin(forms.Form):
    """Division → district → thana, each narrowing the next.

    Use it as a base of any form: `class PatientForm(LocationFieldsMixin, forms.Form)`.
    With JavaScript, htmx reloads the district and thana options when the parent changes;
    without it, the form re-renders with the options of the submitted parent. Either way
    the server checks the chain: `clean()` refuses a district outside the chosen division
    and a thana outside the chosen district, and fills in the division and district from
    the thana when they were left empty. Set `location_required = True` to require all
    three."""

    location_required = False

    division = forms.ModelChoiceField(
        label=_("Division"), queryset=Division.objects.all(), required=False
    )
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), required=False
    )
    thana = forms.ModelChoiceField(
        label=_("Thana / upazila"), queryset=Thana.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        division_id = self._chosen("division")
        district_id = self._chosen("district")
        order = name_order()
        division, district, thana = (
            self.fields["division"],
            self.fields["district"],
            self.fields["thana"],
        )
        division.queryset = Division.objects.order_by(*order)
        # Validation accepts any district and thana so that clean() can name the mismatch;
        # the choices shown are narrowed to the chosen parent.
        district.queryset = District.objects.all()
        thana.queryset = Thana.objects.all()
        district.widget.choices = _narrowed(
            District.objects.filter(division_id=division_id).order_by(*order)
            if division_id
            else District.objects.none(),
            _("Choose a district"),
        )
        thana.widget.choices = _narrowed(
            Thana.objects.filter(district_id=district_id).order_by(*order)
            if district_id
            else Thana.objects.none(),
            _("Choose a thana"),
        )
        division.empty_label = _("Choose a division")
        for field in (division, district, thana):
            field.required = self.location_required
        division.widget.attrs.update(
            {
                "hx-get": reverse_lazy("locations:districts"),
                "hx-target": "next [data-location=district]",
                "hx-trigger": "change",
                "data-location": "division",
            }
        )
        district.widget.attrs.update(
            {
                "hx-get": reverse_lazy("locations:thanas"),
                "hx-target": "next [data-location=thana]",
                "hx-trigger": "change",
                "data-location": "district",
            }
        )
        thana.widget.attrs["data-location"] = "thana"

    def _chosen(self, name):
        """The id chosen for `name`: submitted data first, then the initial value."""
        if self.is_bound:
            raw = self.data.get(self.add_prefix(name))
        else:
            raw = self.initial.get(name)
            raw = getattr(raw, "pk", raw)
        raw = str(raw) if raw is not None else ""
        return int(raw) if raw.isdigit() and len(raw) < 10 else None

    def clean(self):
        cleaned = super().clean()
        division = cleaned.get("division")
        district = cleaned.get("district")
        thana = cleaned.get("thana")
        if thana and not district and "district" not in self.errors:
            district = cleaned["district"] = thana.district
        if district and not division and "division" not in self.errors:
            division = cleaned["division"] = district.division
        if district and division and district.division_id != division.pk:
            self.add_error(
                "district",
                _("%(district)s is not in %(division)s division.")
                % {"district": district.local_name, "division": division.local_name},
            )
        elif thana and district and thana.district_id != district.pk:
            self.add_error(
                "thana",
                _("%(thana)s is not in %(district)s district.")
                % {"thana": thana.local_name, "district": district.local_name},
            )
        return cleaned


def _narrowed(queryset, empty_label):
    return [("", empty_label), *((row.pk, row.local_name) for row in queryset)]
