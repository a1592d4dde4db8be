import re
import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.mobile import as_mobile
from appion.messaging.models import Channel, Preference
from locations.models import LocalNameMixin

# Titles before a name that are not part of it: "Dr.", "Prof.", Bengali "ডা." / "ডাঃ".
_TITLES = {"dr", "doctor", "prof", "professor", "mr", "mrs", "ms", "md"} | {
    "ডা",
    "ডাঃ",
    "ডাক্তার",
    "অধ্যাপক",
    "প্রফেসর",
    "মোঃ",
    "মো",
}


def initials_of(name: str) -> str:
    """The first letters of the first and last words of a name, titles left out:
    "Dr. Abdul Karim" → "AK", "ডা. ফারহানা মোল্লা" → "ফম" (the letter alone, as Bengali
    initials are written, with its nukta: "য়")."""
    words = [w for w in re.split(r"[\s.,]+", name) if w and w.casefold() not in _TITLES]
    letters = []
    for word in (words[:1] + words[-1:]) if len(words) > 1 else words:
        chars = [c for c in word if unicodedata.category(c)[0] in "LM"]
        if not chars or unicodedata.category(chars[0])[0] != "L":
            continue
        letter = chars[0]
        if len(chars) > 1 and "NUKTA" in unicodedata.name(chars[1], ""):
            letter += chars[1]
        letters.append(letter.upper())
    return "".join(letters)


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """The form in which an email address is stored, compared and counted: without
        the spaces around it and all in lower case ("" for None). The one home of this
        rule: registration, the admin, email changes, login lock-outs, the audit log and
        the rate limits all call User.objects.normalize_email."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, username):
        # Email is the login name, matched in any letter case. A name longer than any
        # stored address cannot match, and is not sent to the database: SQLite refuses
        # a LIKE pattern of more than 50,000 characters.
        if len(username) > self.model._meta.get_field("email").max_length:
            raise self.model.DoesNotExist
        return self.get(email__iexact=username)

    def get_by_login_name(self, name):
        """The account that logs in as `name`: its email in any letter case, or its
        mobile number in any spelling the registration form accepts (with or without
        +880, spaces, dashes, Bengali digits). Raises DoesNotExist when there is none,
        an unknown name and a malformed one alike."""
        mobile = as_mobile(name)
        if mobile is not None:
            return self.get(mobile=mobile)
        return self.get_by_natural_key(name)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", User.Role.ADMIN)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        PATIENT = "patient", _("Patient")
        DOCTOR = "doctor", _("Doctor")
        ADMIN = "admin", _("Administrator")

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    mobile = models.CharField(_("mobile number"), max_length=16, unique=True, null=True, blank=True)
    # When the owner proved they hold `mobile` (a one-time code); None until then and
    # again after the number changes (accounts.services.update_profile).
    mobile_verified_at = models.DateTimeField(_("mobile verified at"), null=True, blank=True)
    notify_by = models.CharField(
        _("send my notifications by"),
        max_length=8,
        choices=Preference.choices,
        default=Preference.AUTO,
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.PATIENT)
    division = models.ForeignKey(
        "locations.Division",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("division"),
    )
    district = models.ForeignKey(
        "locations.District",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    thana = models.ForeignKey(
        "locations.Thana",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("thana"),
    )
    photo = models.ImageField(_("profile photo"), upload_to="avatars/", blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def initials(self):
        """Shown on a circle where there is no photo: "AK" for "Dr. Abdul Karim"."""
        return initials_of(self.full_name) or self.email[:1].upper()

    @property
    def can_receive_sms(self):
        """Whether SMS may go to `mobile`: there is one, and it is verified, or the site
        sends SMS to unverified numbers (APPION_SMS_REQUIRES_VERIFIED_MOBILE off)."""
        if not self.mobile:
            return False
        if self.mobile_verified_at is not None:
            return True
        return not settings.APPION_SMS_REQUIRES_VERIFIED_MOBILE

    def notification_channels(self) -> frozenset:
        """The channels (appion.messaging.Channel) a notification to this user takes,
        besides the in-app list. `notify_by` AUTO: SMS for a patient who can receive
        SMS, else email; SMS: SMS, or email while SMS cannot reach them; BOTH: email,
        and SMS when it can reach them; EMAIL: email. Never no channel."""
        sms = self.can_receive_sms
        choice = self.notify_by
        if choice == Preference.AUTO:
            choice = Preference.SMS if self.role == self.Role.PATIENT else Preference.EMAIL
        if choice == Preference.BOTH:
            return frozenset({Channel.EMAIL, Channel.SMS} if sms else {Channel.EMAIL})
        if choice == Preference.SMS and sms:
            return frozenset({Channel.SMS})
        return frozenset({Channel.EMAIL})


class Specialization(LocalNameMixin, models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_bn = models.CharField(_("name in Bengali"), max_length=100)

    class Meta:
        verbose_name = _("specialization")
        verbose_name_plural = _("specializations")
        ordering = ["name"]

    def __str__(self):
        return self.local_name


class PatientProfile(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")

    class BloodGroup(models.TextChoices):
        A_POS = "A+", "A+"
        A_NEG = "A-", "A−"
        B_POS = "B+", "B+"
        B_NEG = "B-", "B−"
        AB_POS = "AB+", "AB+"
        AB_NEG = "AB-", "AB−"
        O_POS = "O+", "O+"
        O_NEG = "O-", "O−"

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="patient_profile", verbose_name=_("user")
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    blood_group = models.CharField(
        _("blood group"), max_length=3, choices=BloodGroup.choices, blank=True
    )

    class Meta:
        verbose_name = _("patient profile")
        verbose_name_plural = _("patient profiles")

    def __str__(self):
        return str(self.user)


class DoctorProfileQuerySet(models.QuerySet):
    def listed(self):
        """Doctors patients can find and book: verified by staff, with an active account."""
        return self.filter(verified_at__isnull=False, user__is_active=True)


class DoctorProfile(models.Model):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="doctor_profile", verbose_name=_("user")
    )
    licence_number = models.CharField(_("BMDC licence number"), max_length=20, unique=True)
    specialization = models.ForeignKey(
        Specialization,
        on_delete=models.PROTECT,
        related_name="doctors",
        verbose_name=_("specialization"),
    )
    qualifications = models.CharField(_("qualifications"), max_length=200, blank=True)
    experience_years = models.PositiveSmallIntegerField(
        _("experience (years)"), default=0, validators=[MaxValueValidator(70)]
    )
    consultation_fee = models.DecimalField(
        _("consultation fee (৳)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100000)],
    )
    bio = models.TextField(_("about"), max_length=2000, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )

    objects = DoctorProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("doctor profile")
        verbose_name_plural = _("doctor profiles")
        ordering = ["user__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consultation_fee__gte=0, consultation_fee__lte=100000),
                name="doctor_fee_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(experience_years__lte=70), name="doctor_experience_in_range"
            ),
        ]

    def __str__(self):
        return str(self.user)

    @property
    def is_verified(self):
        return self.verified_at is not None

    @property
    def avatar_tone(self):
        """Which of the six tones (appion.css's .avatar-tone-N) the initials circle has:
        fixed by the id, so that a doctor keeps their colour from page to page."""
        return (self.pk or 0) % 6


class AuditEntry(models.Model):
    """One security-relevant event: who did what, when, and from which address. Written
    only by accounts.audit.record; the application never changes or deletes one. Holds no
    passwords, symptoms or visit notes."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        PASSWORD_CHANGE = "password_change", _("Password changed")
        PASSWORD_RESET_REQUEST = "password_reset_request", _("Password reset requested")
        PASSWORD_RESET = "password_reset", _("Password reset")
        EMAIL_CHANGE = "email_change", _("Email address changed")
        APPOINTMENT_STATUS = "appointment_status", _("Appointment status changed")
        ADMIN_ADD = "admin_add", _("Added in the admin")
        ADMIN_CHANGE = "admin_change", _("Changed in the admin")
        ADMIN_DELETE = "admin_delete", _("Deleted in the admin")
        ADMIN_ACTION = "admin_action", _("Admin action")
        DATA_DOWNLOAD = "data_download", _("Personal data downloaded")
        QUEUE_STEP = "queue_step", _("Queue step (arrived, called, recalled)")
        LATE_NOTICE = "late_notice", _("Running-late notice")
        CALENDAR_FEED_NEW = "calendar_feed_new", _("Calendar address made")
        CALENDAR_FEED_FETCH = "calendar_feed_fetch", _("Calendar feed fetched")
        MOBILE_VERIFIED = "mobile_verified", _("Mobile number verified")

    created_at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # The user's email at the time, or the address tried in a failed login; kept as text
    # so that the entry still says who it was after the account changes or goes.
    email = models.CharField(_("email address"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    target = models.CharField(_("object"), max_length=200, blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The admin's audit list: latest first, alone or filtered by action.
            models.Index(fields=["-created_at", "-id"], name="audit_latest_first"),
            models.Index(fields=["action", "-created_at"], name="audit_action_latest"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} · {self.email or '—'}"


class CalendarFeed(models.Model):
    """A user's private calendar subscription: whoever knows the address
    /calendar/<secret>.ics reads the user's appointments (scheduling.views.feeds). The
    secret is shown on the profile page, so it is kept as it is, and found without
    comparing it in the database: its first SELECTOR_LENGTH characters (`selector`,
    indexed) find the row, and the whole secret is then compared in constant time
    (accounts.selectors.calendar_feed_for). A new address replaces the row's secret, and
    the old address stops working at once."""

    # Of secrets.token_urlsafe(32): 43 characters; the 31 after the selector hold 186
    # random bits, the whole 256.
    SELECTOR_LENGTH = 12

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("user")
    )
    selector = models.CharField(_("selector"), max_length=SELECTOR_LENGTH, unique=True)
    secret = models.CharField(_("secret"), max_length=64)
    created_at = models.DateTimeField(_("made"), default=timezone.now)
    # Every fetch counts here; the audit log records who fetched it from where, once
    # for each new address and then at most hourly (accounts.services.record_feed_fetch),
    # since a calendar app may poll every few minutes.
    fetch_count = models.PositiveIntegerField(_("fetches"), default=0)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_fetched_from = models.GenericIPAddressField(_("last fetched from"), null=True, blank=True)
    logged_at = models.DateTimeField(_("last recorded in the audit log"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)


class MobileCode(models.Model):
    """A one-time code sent by SMS to prove that `user` holds `mobile`
    (accounts.mobile_codes). Only a keyed hash of the code is kept. Each row is one
    send, so the rows of the last hour are also the send limits' count."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    mobile = models.CharField(_("mobile number"), max_length=16)
    code_hash = models.CharField(_("code (hashed)"), max_length=64)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("mobile verification code")
        verbose_name_plural = _("mobile verification codes")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="accounts_code_user"),
            models.Index(fields=["mobile", "created_at"], name="accounts_code_mobile"),
            models.Index(fields=["ip_address", "created_at"], name="accounts_code_ip"),
        ]

    def __str__(self):
        return f"{self.mobile} {self.created_at:%Y-%m-%d %H:%M}"
