from django.contrib import admin

from locations.models import District, Division, Thana


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["name", "name_bn"]
    search_fields = ["name", "name_bn"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "name_bn", "division"]
    list_filter = ["division"]
    list_select_related = ["division"]
    search_fields = ["name", "name_bn"]
    autocomplete_fields = ["division"]


@admin.register(Thana)
class ThanaAdmin(admin.ModelAdmin):
    list_display = ["name", "name_bn", "kind", "district"]
    list_filter = ["kind", "district__division"]
    list_select_related = ["district"]
    search_fields = ["name", "name_bn", "district__name"]
    autocomplete_fields = ["district"]
