"""Personal API tokens: only a SHA-256 of each key is stored; the key is shown once."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from art.models import ApiToken
from art.services.common import CONTROL_CHARACTERS, LINE_BREAKS

KEY_BYTES = 30


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: Any, name: str) -> tuple[ApiToken, str]:
    """Returns the token and its key; the key cannot be recovered afterwards."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "name is required: say where the token is used"})
    if len(name) > 80:
        raise ValidationError({"name": "name must be at most 80 characters"})
    if LINE_BREAKS.search(name) or CONTROL_CHARACTERS.search(name):
        raise ValidationError(
            {"name": "name must be one line: line breaks and control characters are not allowed"}
        )
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=hash_key(key))
    return token, key


def api_token_revoke(*, user: Any, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise ValidationError({"token": "you can revoke only your own tokens"})
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_user(key: str) -> Any | None:
    """The user a key belongs to, if the token is active; stamps its last use (at most once a minute)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
