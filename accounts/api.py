"""The API's accounts endpoints: log in for bearer tokens, refresh them, read one's own
account and change its password. Logging in goes through django.contrib.auth's
authenticate, so the email-or-mobile login, django-axes' lockout (shared with the login
page) and its audit apply exactly as on the pages."""

import json
from datetime import datetime

from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import F, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from ninja import Form, Router, Schema, Status
from ninja.errors import HttpError

from accounts import audit, services, tokens, verification
from accounts.forms import PatientProfileForm, PhotoForm
from accounts.models import DoctorProfile, Specialization, User
from accounts.views import asks_new_mobile, limit_profile_saves, profile_initial
from appion.api_params import DatabaseInt
from appion.ratelimits import limit_password_checks

router = Router(tags=["auth"])
users_router = Router(tags=["users"], auth=tokens.BearerToken())
specializations_router = Router(tags=["doctors"])
admin_router = Router(tags=["admin"], auth=tokens.BearerToken())


class TokenOut(Schema):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class RefreshIn(Schema):
    refresh_token: str


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    mobile: str | None
    role: str
    is_staff: bool


class PasswordIn(Schema):
    old_password: str
    new_password: str


class DetailOut(Schema):
    detail: str


class ErrorsOut(Schema):
    detail: list[dict]


def _tokens_for(user):
    access, lifetime = tokens.issue(user)
    refresh, _lifetime = tokens.issue(user, kind=tokens.REFRESH)
    return {"access_token": access, "refresh_token": refresh, "expires_in": lifetime}


@router.post("/login", response={200: TokenOut, 401: DetailOut, 429: DetailOut}, auth=None)
def login(request, username: Form[str], password: Form[str]):
    """Bearer tokens for an email or mobile number and its password. Five failures lock
    the account from that address as on the login page (429 with Retry-After)."""
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        # A lockout is answered by axes' middleware (accounts.lockout.lockout_response).
        raise HttpError(
            401, _("The email address or mobile number, or the password, is not correct.")
        )
    audit.record(audit.Action.LOGIN, user=user, request=request)
    return _tokens_for(user)


@router.post("/refresh", response={200: TokenOut, 401: DetailOut}, auth=None)
def refresh(request, payload: RefreshIn):
    """New tokens for a valid refresh token (ended, like access tokens, by a password
    change, a reset or a deactivation)."""
    user = tokens.user_for(payload.refresh_token, kind=tokens.REFRESH)
    if user is None:
        raise HttpError(401, _("This refresh token is not valid any more. Log in again."))
    return _tokens_for(user)


# The API's names for the registration forms' fields, where they differ (the password is
# given once: the form's confirmation is for people typing it).
REGISTRATION_NAMES = {
    "division_id": "division",
    "district_id": "district",
    "thana_id": "thana",
}
REGISTRATION_FIELDS = (
    "full_name",
    "email",
    "mobile",
    "password",
    "division_id",
    "district_id",
    "thana_id",
    "date_of_birth",
    "gender",
    "blood_group",
)
# The photo's field: the original API's name, and the pages' name as well.
PHOTO_NAMES = ("profile_image", "photo")


def posted_fields(request):
    """The posted fields (a JSON object, or form fields and files) or None when the body
    is neither."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return None, None
        if not isinstance(data, dict):
            return None, None
        return data, None
    return request.POST, request.FILES


def posted_photo(files):
    """The uploaded photo under either of its names, as the forms' `photo` file."""
    for name in PHOTO_NAMES:
        if files and name in files:
            return {"photo": files[name]}
    return {}


def as_form_data(data, fields=REGISTRATION_FIELDS, names=REGISTRATION_NAMES):
    """The API's `fields` under the form's names (`names` where they differ), as a form
    post would give them (text), and the errors for values that are not a single text
    or number."""
    form_data, errors = {}, []
    for name in fields:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, (list, dict)):
            errors.append({"loc": [name], "msg": _("Enter a single value."), "type": "invalid"})
            continue
        form_data[names.get(name, name)] = str(value)
    if "password" in form_data:
        form_data["password1"] = form_data["password2"] = form_data.pop("password")
    return form_data, errors


def api_errors(form, names=REGISTRATION_NAMES):
    """form_errors under the API's field names (`names` maps the API's to the form's),
    each message once (the password is one field here, two in the form)."""
    api_names = {"password1": "password", "password2": "password", "photo": PHOTO_NAMES[0]}
    api_names.update({form_name: name for name, form_name in names.items()})
    errors = []
    for error in form_errors(form):
        error["loc"] = [api_names.get(name, name) for name in error["loc"]]
        if error not in errors:
            errors.append(error)
    return errors


def register_account(data, files, *, form_class, register, fields, names):
    """Register through a registration page's form (`form_class`, given `data` under the
    API's `fields` and `names`, and the photo in `files`) and its service (`register`,
    called as the page calls it): 201 with the account, or 422 with field errors under
    the API's names, creating nothing."""
    form_data, value_errors = as_form_data(data, fields, names)
    form = form_class(form_data, posted_photo(files))
    if value_errors or not form.is_valid():
        refused = {tuple(error["loc"]) for error in value_errors}
        errors = [error for error in api_errors(form, names) if tuple(error["loc"]) not in refused]
        return Status(422, {"detail": value_errors + errors})
    cleaned = form.cleaned_data
    try:
        user = register(email=cleaned["email"], password=cleaned["password1"], data=cleaned)
    except services.AccountError as error:
        return Status(422, {"detail": [account_error(error, names)]})
    return Status(201, user)


def account_error(error, names=REGISTRATION_NAMES):
    """A service's AccountError as one of the API's field errors."""
    api_names = {form_name: name for name, form_name in names.items()}
    field = api_names.get(error.field, error.field) if error.field else "__all__"
    return {"loc": [field], "msg": str(error.message), "type": "taken"}


@users_router.get("/me", response=UserOut)
def me(request):
    return request.auth


# The fields a patient may change through PATCH /users/me (the profile page's, under the
# registration's API names).
PROFILE_FIELDS = (
    "full_name",
    "mobile",
    "division_id",
    "district_id",
    "thana_id",
    "date_of_birth",
    "gender",
    "blood_group",
)


PROFILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    # Any other field is refused (422), not ignored.
                    "additionalProperties": False,
                    "properties": {
                        name: {"type": "integer" if name.endswith("_id") else "string"}
                        for name in PROFILE_FIELDS
                    },
                }
            }
        },
    }
}


def as_text(value):
    """A profile value as the profile form's post would carry it."""
    if value is None:
        return ""
    if hasattr(value, "pk"):
        return str(value.pk)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _patch_changes_mobile(request):
    """Whether a PATCH /users/me asks for another mobile number (the page's rule)."""
    data, _files = posted_fields(request)
    mobile = data.get("mobile") if data else None
    return isinstance(mobile, str) and asks_new_mobile(request.user, mobile)


@users_router.patch(
    "/me",
    response={200: UserOut, 403: DetailOut, 422: dict, 429: DetailOut},
    openapi_extra=PROFILE_BODY,
)
@limit_profile_saves(_patch_changes_mobile, methods=("PATCH",))
def update_me(request):
    """Change a patient's own profile from a JSON object of PROFILE_FIELDS: the profile
    page's form (PatientProfileForm) over the present values with the sent ones laid on
    top, saved by its service (services.update_profile). 200 with the account, or 422
    with field errors under the API's names, changing nothing. Doctors change their
    profile on the site."""
    user = request.auth
    if user.role != User.Role.PATIENT:
        raise HttpError(403, _("Only patients can change their profile here."))
    data, _files = posted_fields(request)
    if data is None or request.content_type != "application/json":
        raise HttpError(422, _("Send the fields as a JSON object."))
    errors = [
        {"loc": [name], "msg": _("This field cannot be changed here."), "type": "invalid"}
        for name in data
        if name not in PROFILE_FIELDS
    ]
    sent, value_errors = as_form_data({name: data[name] for name in PROFILE_FIELDS if name in data})
    present = {
        name: as_text(value) for name, value in profile_initial(user).items() if name != "photo"
    }
    form = PatientProfileForm({**present, **sent}, user=user)
    if errors or value_errors or not form.is_valid():
        refused = {tuple(error["loc"]) for error in value_errors}
        form_refusals = [
            error for error in api_errors(form) if tuple(error["loc"]) not in refused and not errors
        ]
        return Status(422, {"detail": errors + value_errors + form_refusals})
    try:
        services.update_profile(user=user, data=form.cleaned_data)
    except services.AccountError as error:
        return Status(422, {"detail": [account_error(error)]})
    return user


@users_router.post("/me/password", response={200: DetailOut, 422: dict, 429: DetailOut})
@sensitive_post_parameters()
@limit_password_checks
def change_password(request, payload: PasswordIn):
    """Django's password change form, its checks and the password policy, limited as the
    pages' current-password checks are; every token issued before (this one included)
    stops working."""
    user = request.auth
    form = PasswordChangeForm(
        user,
        {
            "old_password": payload.old_password,
            "new_password1": payload.new_password,
            "new_password2": payload.new_password,
        },
    )
    if not form.is_valid():
        return Status(422, {"detail": form_errors(form)})
    form.save()
    audit.record(audit.Action.PASSWORD_CHANGE, user=user, request=request)
    return Status(200, {"detail": _("Your password was changed. Log in again.")})


PHOTO_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        name: {"type": "string", "format": "binary"} for name in PHOTO_NAMES
                    },
                }
            }
        },
    }
}


@users_router.post(
    "/me/photo",
    response={200: UserOut, 422: dict, 429: DetailOut},
    openapi_extra=PHOTO_BODY,
)
@limit_profile_saves(lambda request: False)
def upload_photo(request):
    """Replace one's own photo with the file sent as `profile_image` (multipart): the
    profile page's photo field (PhotoField: its checks of the content and size, and the
    re-encoding) and its service (services.update_profile, which keeps every other field
    as it is); limited with the profile page's saves. 200 with the account, or 422."""
    user = request.auth
    photo = posted_photo(request.FILES)
    if not photo:
        return Status(
            422,
            {
                "detail": [
                    {
                        "loc": [PHOTO_NAMES[0]],
                        "msg": _("Choose a photo to upload."),
                        "type": "required",
                    }
                ]
            },
        )
    form = PhotoForm({}, photo)
    if not form.is_valid():
        return Status(422, {"detail": api_errors(form)})
    services.update_profile(user=user, data={"photo": form.cleaned_data["photo"]})
    return user


def form_errors(form):
    """A Django form's errors as the API's list of field errors."""
    return [
        {"loc": [field], "msg": str(message), "type": error.code or "invalid"}
        for field, errors in form.errors.as_data().items()
        for error in errors
        for message in error.messages
    ]


class SpecializationOut(Schema):
    id: int
    name: str
    name_bn: str


@specializations_router.get("", response=list[SpecializationOut])
def specializations(request):
    return Specialization.objects.all()


# Staff: accounts and doctors' verification, as in the admin.
MAX_LIMIT = 100


class AdminUserOut(UserOut):
    is_active: bool
    created_at: datetime


class AdminUserPageOut(Schema):
    total: int
    items: list[AdminUserOut]


class ActiveIn(Schema):
    # Only the account's state: any other field is refused rather than ignored.
    model_config = {"extra": "forbid"}

    is_active: bool


class AdminDoctorOut(Schema):
    id: int
    user_id: int
    email: str
    full_name: str
    licence_number: str
    specialization: str
    verified: bool
    verified_at: datetime | None


class AdminDoctorPageOut(Schema):
    total: int
    items: list[AdminDoctorOut]


def staff_only(request):
    """403 unless the caller is staff."""
    if not request.auth.is_staff:
        raise HttpError(403, _("Only staff can do this."))


def paging_errors(skip, limit):
    """The API's field errors for `skip` and `limit` (0 <= skip, 1 <= limit <= 100)."""
    errors = []
    if skip < 0:
        errors.append({"loc": ["skip"], "msg": _("Must be 0 or more."), "type": "invalid"})
    if not 1 <= limit <= MAX_LIMIT:
        errors.append(
            {
                "loc": ["limit"],
                "msg": _("Must be from 1 to %(max)d.") % {"max": MAX_LIMIT},
                "type": "invalid",
            }
        )
    return errors


@admin_router.get("/users", response={200: AdminUserPageOut, 403: DetailOut, 422: ErrorsOut})
def admin_users(
    request,
    skip: DatabaseInt = 0,
    limit: int = 20,
    role: str | None = None,
    q: str | None = None,
):
    """Every account (staff only) by email, `limit` (at most 100) from `skip`: of one
    `role` (patient, doctor), or whose email, name or mobile number contains `q` (the
    admin's search)."""
    staff_only(request)
    errors = paging_errors(skip, limit)
    if role is not None and role not in User.Role.values:
        errors.append({"loc": ["role"], "msg": _("Unknown role."), "type": "invalid"})
    if errors:
        return Status(422, {"detail": errors})
    found = User.objects.order_by("email", "pk")
    if role:
        found = found.filter(role=role)
    if q and q.strip():
        term = q.strip()
        found = found.filter(
            Q(email__icontains=term) | Q(full_name__icontains=term) | Q(mobile__icontains=term)
        )
    return {"total": found.count(), "items": list(found[skip : skip + limit])}


@admin_router.patch(
    "/users/{user_id}", response={200: AdminUserOut, 403: DetailOut, 404: DetailOut, 409: DetailOut}
)
def admin_set_active(request, user_id: int, payload: ActiveIn):
    """Activate or deactivate an account (staff only; services.set_active: audited, and
    a deactivation ends the user's tokens); 409 for one's own deactivation."""
    staff_only(request)
    user = get_object_or_404(User, pk=user_id)
    try:
        services.set_active(user=user, active=payload.is_active, by=request.auth)
    except services.AccountError as error:
        return Status(409, {"detail": str(error.message)})
    return user


def _admin_doctor(profile):
    return {
        "id": profile.pk,
        "user_id": profile.user_id,
        "email": profile.user.email,
        "full_name": profile.user.full_name,
        "licence_number": profile.licence_number,
        "specialization": str(profile.specialization),
        "verified": profile.is_verified,
        "verified_at": profile.verified_at,
    }


@admin_router.get("/doctors", response={200: AdminDoctorPageOut, 403: DetailOut, 422: ErrorsOut})
def admin_doctors(request, verified: bool | None = None, skip: DatabaseInt = 0, limit: int = 20):
    """Every doctor (staff only) in the admin's order, those awaiting verification first;
    only the verified or the unverified ones with `verified`."""
    staff_only(request)
    errors = paging_errors(skip, limit)
    if errors:
        return Status(422, {"detail": errors})
    found = DoctorProfile.objects.select_related("user", "specialization").order_by(
        F("verified_at").asc(nulls_first=True), "user__full_name", "pk"
    )
    if verified is not None:
        found = found.filter(verified_at__isnull=not verified)
    return {"total": found.count(), "items": [_admin_doctor(p) for p in found[skip : skip + limit]]}


@admin_router.post(
    "/doctors/{doctor_id}/verify", response={200: AdminDoctorOut, 403: DetailOut, 404: DetailOut}
)
def admin_verify_doctor(request, doctor_id: int):
    """Verify a doctor (staff only) as the admin's "verify" action does
    (verification.verify_doctors, recorded in the audit log as that action is); a doctor
    already verified keeps their date and verifier."""
    staff_only(request)
    profiles = DoctorProfile.objects.filter(pk=doctor_id)
    get_object_or_404(profiles)
    verification.verify_doctors(profiles_qs=profiles, by=request.auth)
    audit.record(
        audit.Action.ADMIN_ACTION,
        user=request.auth,
        request=request,
        target=DoctorProfile._meta.label_lower,
        detail={"action": "verify", "count": 1, "ids": [doctor_id]},
    )
    return _admin_doctor(profiles.select_related("user", "specialization").get())
