from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import verification
from accounts.models import DoctorProfile, PatientProfile, Specialization, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "role"]


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class PatientProfileInline(admin.StackedInline):
    model = PatientProfile
    can_delete = False


class DoctorProfileInline(admin.StackedInline):
    model = DoctorProfile
    fk_name = "user"
    can_delete = False
    autocomplete_fields = ["specialization", "chamber_thana"]
    readonly_fields = ["verified_at", "verified_by"]


class VerifiedFilter(admin.SimpleListFilter):
    title = _("verified")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Verified")), ("no", _("Awaiting verification"))]

    def queryset(self, request, queryset):
        field = "verified_at__isnull"
        if queryset.model is User:
            field = "doctor_profile__" + field
        if self.value() == "yes":
            return queryset.filter(**{field: False})
        if self.value() == "no":
            return queryset.filter(**{field: True})
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "mobile", "is_active", "created_at"]
    list_filter = ["role", VerifiedFilter, "division", "is_staff", "is_active"]
    list_select_related = ["doctor_profile"]
    search_fields = ["email", "full_name", "mobile", "doctor_profile__licence_number"]
    autocomplete_fields = ["division", "district", "thana"]
    readonly_fields = ["created_at", "updated_at", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Personal details"),
            {"fields": ["full_name", "mobile", "role", "photo", "preferred_language"]},
        ),
        (_("Location"), {"fields": ["division", "district", "thana"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "role", "password1", "password2"],
            },
        ),
    ]

    def get_inlines(self, request, obj):
        # Each role has its own profile; a new user gets theirs after the first save.
        if obj is None:
            return []
        if obj.role == User.Role.DOCTOR:
            return [DoctorProfileInline]
        if obj.role == User.Role.PATIENT:
            return [PatientProfileInline]
        return []


@admin.register(DoctorProfile)
class DoctorProfileAdmin(admin.ModelAdmin):
    list_display = [
        "doctor_name",
        "licence_number",
        "specialization",
        "consultation_fee",
        "experience_years",
        "is_verified",
    ]
    list_filter = [VerifiedFilter, "specialization", "chamber_thana__district__division"]
    list_select_related = ["user", "specialization"]
    search_fields = ["user__full_name", "user__email", "licence_number"]
    autocomplete_fields = ["user", "specialization", "chamber_thana"]
    readonly_fields = ["verified_at", "verified_by"]
    actions = ["verify", "unverify"]

    def get_ordering(self, request):
        # Doctors awaiting verification first: they are the administrator's work.
        return [F("verified_at").asc(nulls_first=True), "user__full_name"]

    @admin.display(description=_("doctor"), ordering="user__full_name")
    def doctor_name(self, profile):
        return profile.user.full_name

    @admin.display(description=_("verified"), boolean=True, ordering="verified_at")
    def is_verified(self, profile):
        return profile.is_verified

    @admin.action(description=_("Verify the selected doctors"))
    def verify(self, request, queryset):
        count = verification.verify_doctors(profiles=queryset, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d doctor verified.", "%(count)d doctors verified.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Remove verification of the selected doctors"))
    def unverify(self, request, queryset):
        count = verification.unverify_doctors(profiles=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d doctor no longer verified.",
                "%(count)d doctors no longer verified.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(PatientProfile)
class PatientProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "date_of_birth", "gender", "blood_group"]
    list_filter = ["gender", "blood_group"]
    list_select_related = ["user"]
    search_fields = ["user__full_name", "user__email", "user__mobile"]
    autocomplete_fields = ["user"]


@admin.register(Specialization)
class SpecializationAdmin(admin.ModelAdmin):
    list_display = ["name", "name_bn"]
    search_fields = ["name", "name_bn"]
