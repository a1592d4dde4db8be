"""The API's accounts endpoints: log in for bearer tokens, refresh them, read one's own
account and change its password. Logging in goes through django.contrib.auth's
authenticate, so the email-or-mobile login, django-axes' lockout (shared with the login
page) and its audit apply exactly as on the pages."""

from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext as _
from ninja import Form, Router, Schema, Status
from ninja.errors import HttpError

from accounts import audit, tokens
from accounts.models import Specialization

router = Router(tags=["auth"])
users_router = Router(tags=["users"], auth=tokens.BearerToken())
specializations_router = Router(tags=["doctors"])


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


@users_router.get("/me", response=UserOut)
def me(request):
    return request.auth


@users_router.post("/me/password", response={200: DetailOut, 422: dict})
def change_password(request, payload: PasswordIn):
    """Django's password change form, its checks and the password policy; every token
    issued before (this one included) stops working."""
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
