"""Forms for registration, login and profiles. They parse and validate; the writes happen
in accounts.services."""

from decimal import Decimal

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.mobile import BENGALI_DIGITS, normalize_mobile
from accounts.models import DoctorProfile, PatientProfile, Specialization, User
from accounts.photos import process_photo
from appion.messaging.models import Preference
from locations.forms import LocationFieldsMixin

MOBILE_UNAVAILABLE = _(
    "This mobile number cannot be used for your account. Check it or enter another."
)


class MobileField(forms.CharField):
    """A Bangladeshi mobile number in any usual spelling, cleaned to +8801XXXXXXXXX."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("help_text", _("e.g. 01712345678"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        return normalize_mobile(value)


class PhotoField(forms.FileField):
    """An uploaded photo, judged by its content and re-encoded (see accounts.photos)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Profile photo"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("JPEG, PNG or WebP, at most 5 MB and 16 megapixels."))
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        data = super().clean(data, initial)
        if not data or data is initial:
            return data
        return process_photo(data)


class PhotoForm(forms.Form):
    """A new profile photo alone (the API's upload; the profile page's field)."""

    photo = PhotoField(required=True)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class UserFieldsForm(LocationFieldsMixin, forms.Form):
    """The fields every user has: name, mobile, location and photo."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    mobile = MobileField()
    photo = PhotoField()

    field_order = ["full_name", "mobile", "division", "district", "thana", "photo"]

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise ValidationError(_("Enter your full name."), code="short")
        return name

    def clean_mobile(self):
        """A number another account has is refused in words that name no account. The
        refusal still tells that the number is registered somewhere, which its owner
        needs to know; what keeps the numbers of the whole country from being tried is
        the limit on the posts that change a number (accounts.views.profile)."""
        mobile = self.cleaned_data["mobile"]
        if not mobile:
            return mobile
        taken = User.objects.filter(mobile=mobile)
        if self.user is not None:
            taken = taken.exclude(pk=self.user.pk)
        if taken.exists():
            raise ValidationError(MOBILE_UNAVAILABLE, code="mobile_taken")
        return mobile


class PatientFieldsForm(UserFieldsForm):
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[("", _("Prefer not to say")), *PatientProfile.Gender.choices],
    )
    blood_group = forms.ChoiceField(
        label=_("Blood group"),
        required=False,
        choices=[("", _("Don't know")), *PatientProfile.BloodGroup.choices],
    )

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born is None:
            return born
        today = timezone.localdate()
        if born > today:
            raise ValidationError(_("The date of birth cannot be in the future."), code="future")
        if born.year < today.year - 120:
            raise ValidationError(_("Enter a real date of birth."), code="too_old")
        return born


class DoctorFieldsForm(UserFieldsForm):
    location_required = True

    licence_number = forms.CharField(
        label=_("BMDC licence number"),
        max_length=20,
        help_text=_("As on your BMDC registration, e.g. A-12345."),
    )
    specialization = forms.ModelChoiceField(
        label=_("Specialization"), queryset=Specialization.objects.all()
    )
    qualifications = forms.CharField(
        label=_("Qualifications"),
        max_length=200,
        required=False,
        help_text=_("e.g. MBBS, FCPS (Medicine)"),
    )
    experience_years = forms.IntegerField(
        label=_("Experience (years)"), min_value=0, max_value=70, initial=0
    )
    consultation_fee = forms.DecimalField(
        label=_("Consultation fee (৳)"),
        min_value=Decimal(0),
        max_value=Decimal(100000),
        max_digits=8,
        decimal_places=2,
    )
    bio = forms.CharField(
        label=_("About you"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_licence_number(self):
        licence = " ".join(self.cleaned_data["licence_number"].split()).upper()
        if len(licence) < 3:
            raise ValidationError(_("Enter your BMDC licence number."), code="short")
        taken = DoctorProfile.objects.filter(licence_number__iexact=licence)
        if self.user is not None:
            taken = taken.exclude(user=self.user)
        if taken.exists():
            raise ValidationError(
                _("A doctor with this licence number is already registered."),
                code="licence_taken",
            )
        return licence


class RegistrationMixin(forms.Form):
    """Email and password, for the registration forms."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 8 characters, with an upper-case letter, a digit and a special character."
        ),
    )
    password2 = forms.CharField(
        label=_("Confirm password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = [
        "full_name",
        "email",
        "mobile",
        "password1",
        "password2",
        "division",
        "district",
        "thana",
        "photo",
    ]

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _("An account with this email address already exists. Log in instead?"),
                code="email_taken",
            )
        return email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            candidate = User(
                email=cleaned.get("email") or "", full_name=cleaned.get("full_name") or ""
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class PatientRegistrationForm(RegistrationMixin, PatientFieldsForm):
    pass


class QuickRegistrationForm(PatientRegistrationForm):
    """Patient registration with only what a booking needs: name, email, mobile and the
    password twice, checked as PatientRegistrationForm checks them. The rest (location,
    photo, date of birth...) can be added on the profile page later."""

    FIELDS = ("full_name", "email", "mobile", "password1", "password2")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in [name for name in self.fields if name not in self.FIELDS]:
            del self.fields[name]


class NotificationChoiceMixin(forms.Form):
    """How the user wants to be reached (User.notify_by); left out, it stays as it is."""

    notify_by = forms.ChoiceField(
        label=_("Send my notifications by"),
        choices=Preference.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["notify_by"]
        if self.user is not None and not self.user.can_receive_sms:
            field.help_text = _(
                "SMS go only to a verified mobile number. Until yours is verified, your "
                "notifications come by email. Each also appears under the bell at the top."
            )
        else:
            field.help_text = _("Each notification also appears under the bell at the top.")


class PatientProfileForm(NotificationChoiceMixin, PatientFieldsForm):
    pass


class DoctorProfileForm(NotificationChoiceMixin, DoctorFieldsForm):
    pass


class EmailChangeForm(forms.Form):
    """The new login email and the current password. The password is checked first:
    only with the right one does the form say anything about the new address, so that a
    session left open cannot be used to find out which addresses have accounts (whether
    another account has it is the service's check, made only for a valid form)."""

    email = forms.EmailField(label=_("New email address"), max_length=254)
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise ValidationError(_("Your current password is not correct."), code="wrong")
        return password

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        current = User.objects.normalize_email(self.user.email)
        if email and "current_password" in cleaned and email == current:
            self.add_error(
                "email", ValidationError(_("This is already your email address."), code="same")
            )
        return cleaned


class MobileCodeForm(forms.Form):
    """The one-time code from the SMS (accounts.mobile_codes): 6 digits, in either
    script, spaces and dashes ignored."""

    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=20,
        help_text=_("6 digits"),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_code(self):
        # Codes typed with Bengali digits (০–৯) count as the same digits.
        code = self.cleaned_data["code"].translate(BENGALI_DIGITS)
        code = code.replace(" ", "").replace("-", "")
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise ValidationError(_("Enter the 6 digits of the code."), code="format")
        return code


class LoginNameMixin(forms.Form):
    """The login name of every login form: the email address or the mobile number, which
    the authentication backend tells apart (accounts.backends.EmailBackend). A text
    field, since a browser would refuse a number in an email field; the refusal says the
    same whatever was wrong, so that it tells nobody which emails and numbers have
    accounts."""

    # No max_length validator, as in Django's own login forms: an overlong name is a
    # failed login that django-axes counts (the backend refuses it unread).
    username = forms.CharField(
        label=_("Email or mobile number"),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}
        ),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The email address or mobile number, or the password, is not correct."),
    }


class LoginForm(LoginNameMixin, AuthenticationForm):
    """Django's login form, with the email or the mobile number as the login name."""


class AdminLoginForm(LoginNameMixin, AdminAuthenticationForm):
    """Django's admin login form (staff only), with the same login name and refusal."""
