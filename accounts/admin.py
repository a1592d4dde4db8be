from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import verification
from accounts.forms import MobileField, PhotoField
from accounts.models import AuditEntry, DoctorProfile, PatientProfile, Specialization, User
from locations.forms import LocationChainMixin


class EmailLoginMixin:
    """The email is the login name: stored in lower case and unique in any letter case."""

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        taken = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(
                _("Another account already uses this email address."), code="email_taken"
            )
        return email


class UserCreationForm(EmailLoginMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "role"]


class UserEditForm(EmailLoginMixin, LocationChainMixin, UserChangeForm):
    # A thana or district alone is enough: LocationChainMixin fills in its parents.
    mobile = MobileField(required=False)
    photo = PhotoField()

    class Meta:
        model = User
        fields = "__all__"

    def save(self, commit=True):
        # A verification belongs to the number that was verified.
        if "mobile" in self.changed_data:
            self.instance.mobile_verified_at = None
        return super().save(commit)


class PatientProfileInline(admin.StackedInline):
    model = PatientProfile
    can_delete = False


class DoctorProfileInline(admin.StackedInline):
    model = DoctorProfile
    fk_name = "user"
    can_delete = False
    autocomplete_fields = ["specialization"]
    readonly_fields = ["verified_at", "verified_by"]


class VerifiedFilter(admin.SimpleListFilter):
    """Doctors verified or awaiting verification; on the user list it keeps to doctors."""

    title = _("verification")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Verified")), ("no", _("Awaiting verification"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        prefix = ""
        if queryset.model is User:
            prefix = "doctor_profile__"
            queryset = queryset.filter(doctor_profile__isnull=False)
        return queryset.filter(**{f"{prefix}verified_at__isnull": self.value() == "no"})


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "role",
        "mobile",
        "doctor_verified",
        "is_active",
        "created_at",
    ]
    list_filter = ["role", VerifiedFilter, "division", "is_staff", "is_active"]
    list_select_related = ["doctor_profile"]
    search_fields = ["email", "full_name", "mobile", "doctor_profile__licence_number"]
    autocomplete_fields = ["division", "district", "thana"]
    readonly_fields = ["created_at", "updated_at", "last_login", "mobile_verified_at"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Personal details"),
            {
                "fields": [
                    "full_name",
                    "mobile",
                    "mobile_verified_at",
                    "role",
                    "photo",
                    "preferred_language",
                    "notify_by",
                ]
            },
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
                "fields": [
                    "email",
                    "full_name",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]

    def get_inlines(self, request, obj):
        # Each role has its own profile; a new user gets theirs after the first save,
        # once the role is known.
        if obj is None:
            return []
        if obj.role == User.Role.DOCTOR:
            return [DoctorProfileInline]
        if obj.role == User.Role.PATIENT:
            return [PatientProfileInline]
        return []

    @admin.display(description=_("verified"), boolean=True)
    def doctor_verified(self, user):
        """Verification of a doctor's licence; empty for other roles."""
        if user.role != User.Role.DOCTOR:
            return None
        try:
            return user.doctor_profile.is_verified
        except DoctorProfile.DoesNotExist:
            return False


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
    list_filter = [VerifiedFilter, "specialization"]
    list_select_related = ["user", "specialization"]
    search_fields = ["user__full_name", "user__email", "licence_number"]
    autocomplete_fields = ["user", "specialization"]
    readonly_fields = ["verified_at", "verified_by"]
    actions = ["verify", "unverify"]

    def get_ordering(self, request):
        # Doctors awaiting verification first: they are the administrator's work.
        return [F("verified_at").asc(nulls_first=True), "user__full_name", "pk"]

    @admin.display(description=_("doctor"), ordering="user__full_name")
    def doctor_name(self, profile):
        return profile.user.full_name

    @admin.display(description=_("verified"), boolean=True, ordering="verified_at")
    def is_verified(self, profile):
        return profile.is_verified

    @admin.action(description=_("Verify selected doctors"), permissions=["change"])
    def verify(self, request, queryset):
        count = verification.verify_doctors(profiles_qs=queryset, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d doctor verified.", "%(count)d doctors verified.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Remove verification"), permissions=["change"])
    def unverify(self, request, queryset):
        count = verification.unverify_doctors(profiles_qs=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d doctor is no longer verified.",
                "%(count)d doctors are no longer verified.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(PatientProfile)
class PatientProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "mobile", "date_of_birth", "gender", "blood_group"]
    list_filter = ["gender", "blood_group"]
    list_select_related = ["user"]
    search_fields = ["user__full_name", "user__email", "user__mobile"]
    ordering = ["user__full_name", "pk"]
    autocomplete_fields = ["user"]

    @admin.display(description=_("mobile number"), ordering="user__mobile")
    def mobile(self, profile):
        return profile.user.mobile


@admin.register(Specialization)
class SpecializationAdmin(admin.ModelAdmin):
    list_display = ["name", "name_bn"]
    search_fields = ["name", "name_bn"]
    ordering = ["name"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read only: nobody adds, changes or deletes an entry here."""

    list_display = ["created_at", "action", "email", "ip_address", "target"]
    list_filter = ["action", "created_at"]
    search_fields = ["email", "user__email"]
    # No date_hierarchy: its links take a DISTINCT over the whole log, which only grows;
    # the "created at" filter gives today, the last 7 days, this month and this year.
    readonly_fields = ["created_at", "action", "user", "email", "ip_address", "target", "detail"]
    fields = readonly_fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
