"""Admin for the location tree. Every admin has search_fields, so that other admins can
use autocomplete_fields on divisions, districts and thanas."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from locations.models import District, Division, Thana


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["name", "name_bn"]
    search_fields = ["name", "name_bn"]
    ordering = ["name"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "name_bn", "division"]
    list_filter = ["division"]
    list_select_related = ["division"]
    search_fields = ["name", "name_bn"]
    ordering = ["name"]
    autocomplete_fields = ["division"]


@admin.register(Thana)
class ThanaAdmin(admin.ModelAdmin):
    list_display = ["name", "name_bn", "kind", "district", "division"]
    list_filter = ["kind", "district__division"]
    list_select_related = ["district__division"]
    # The district's names too: several cities have a "Kotwali".
    search_fields = ["name", "name_bn", "district__name", "district__name_bn"]
    ordering = ["district__name", "name"]
    autocomplete_fields = ["district"]

    @admin.display(description=_("division"), ordering="district__division__name")
    def division(self, thana):
        return thana.district.division
