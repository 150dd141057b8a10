"""Personal API tokens: only a SHA-256 of each key is stored; the key is shown once.

A token may expire and may be read-only. Signing in for a token (`POST auth/token/`) rotates
the caller's token of the name asked (default "API token") instead of adding another: the same
row gets a new key (the old one stops working at once), a new expiry and `rotated_at`, so a job
that signs in every hour keeps one token, not thousands. The row is kept rather than replaced
so that the tokens page and the RTE's list show one token per integration, with its history
(created, rotated, last used) in one place."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from art.models import ApiToken
from art.services.common import CONTROL_CHARACTERS, LINE_BREAKS

KEY_BYTES = 30
#: The name of a token made by signing in without naming one.
SIGN_IN_NAME = "API token"
#: How often a token's last use is written at most: one write a minute, not one a request.
LAST_USED_EVERY = dt.timedelta(minutes=1)
SCOPE_RULE = 'scope must be "read" or "write"'
NAME_REQUIRED = "name is required: say where the token is used"
#: Expiry choices offered on the tokens page, in days (None: never).
EXPIRY_CHOICES_DAYS = (30, 90, 365, None)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def default_expiry(now: dt.datetime | None = None) -> dt.datetime | None:
    """When a token made through the API without an expiry expires (RAILYARD_TOKEN_DEFAULT_DAYS;
    0: never)."""
    days = settings.RAILYARD_TOKEN_DEFAULT_DAYS
    return (now or timezone.now()) + dt.timedelta(days=days) if days > 0 else None


def api_token_check(*, name: str, scope: str, expires_at: dt.datetime | None) -> str:
    """The name trimmed, or ValidationError naming each field that breaks its rule."""
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = NAME_REQUIRED
    elif len(name) > 80:
        errors["name"] = "name must be at most 80 characters"
    elif LINE_BREAKS.search(name) or CONTROL_CHARACTERS.search(name):
        errors["name"] = "name must be one line: line breaks and control characters are not allowed"
    if scope not in ApiToken.Scope.values:
        errors["scope"] = SCOPE_RULE
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "expires_at must be in the future"
    if errors:
        raise ValidationError(errors)
    return name


def _new_key() -> tuple[str, str, str]:
    key = secrets.token_urlsafe(KEY_BYTES)
    return key, key[:8], hash_key(key)


def api_token_create(
    *,
    user: Any,
    name: str,
    scope: str = ApiToken.Scope.WRITE,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Returns the token and its key; the key cannot be recovered afterwards. `expires_at`
    None: the token never expires."""
    name = api_token_check(name=name, scope=scope, expires_at=expires_at)
    key, prefix, key_hash = _new_key()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=key_hash, scope=scope, expires_at=expires_at
    )
    return token, key


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str
    rotated: bool  # an existing token of that name got the new key


def api_token_issue(
    *,
    user: Any,
    name: str = SIGN_IN_NAME,
    scope: str = ApiToken.Scope.WRITE,
    expires_at: dt.datetime | None = None,
) -> IssuedToken:
    """The sign-in's token: the caller's active (not revoked) token named `name` gets a new key,
    scope and expiry (the old key stops working); without one, a new token. Other active
    tokens of that name, left from before rotation existed, are revoked: one name, one key."""
    name = api_token_check(name=name, scope=scope, expires_at=expires_at)
    with transaction.atomic():
        same_name = list(
            ApiToken.objects.select_for_update()
            .filter(user=user, name=name, revoked_at__isnull=True)
            .order_by("-created_at", "-pk")
        )
        if not same_name:
            token, key = api_token_create(user=user, name=name, scope=scope, expires_at=expires_at)
            return IssuedToken(token, key, rotated=False)
        token, *older = same_name
        now = timezone.now()
        if older:
            ApiToken.objects.filter(pk__in=[t.pk for t in older]).update(revoked_at=now)
        key, token.prefix, token.key_hash = _new_key()
        token.scope, token.expires_at, token.rotated_at = scope, expires_at, now
        token.save(update_fields=["prefix", "key_hash", "scope", "expires_at", "rotated_at"])
        return IssuedToken(token, key, rotated=True)


def api_token_revoke(*, user: Any, token: ApiToken) -> ApiToken:
    """Revoke a token: its owner may, and a superuser may revoke anyone's."""
    if token.user_id != user.pk and not user.is_superuser:
        raise ValidationError({"token": "you can revoke only your own tokens"})
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_for_key(key: str) -> ApiToken | None:
    """The token a key belongs to, with its user, whatever its state (revoked, expired): the
    caller says why it does not work. Stamps its last use, at most once a minute."""
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
    if token is None or not token.works or not token.user.is_active:
        return token
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_user(key: str) -> Any | None:
    """The user a key belongs to, if its token works (not revoked, not expired)."""
    token = api_token_for_key(key)
    if token is None or not token.works or not token.user.is_active:
        return None
    return token.user
