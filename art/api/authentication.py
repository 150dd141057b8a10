from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from art.models import ApiToken
from art.services.tokens import api_token_for_key

READ_ONLY_REFUSAL = "This token is read-only (scope: read): it may not change anything."


def expired_message(token: ApiToken) -> str:
    assert token.expires_at is not None
    return (
        f"This token expired on {token.expires_at.isoformat(timespec='seconds')}: "
        "sign in again or create a new one."
    )


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` checked against the SHA-256 stored for each personal token.

    A revoked or unknown key answers 401, an expired one 401 saying when it expired. A read-only
    token (scope "read") is refused here on any unsafe method (403 naming the scope): this is
    the one place every token request passes, whatever permission classes a view has, so no
    view can forget it. `request.auth` is the ApiToken."""

    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        found = super().authenticate(request)
        if found is None:
            return None
        user, token = found
        if token.read_only and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(READ_ONLY_REFUSAL)
        return user, token

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = api_token_for_key(key)
        if token is None or not token.is_active or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if token.is_expired:
            raise exceptions.AuthenticationFailed(expired_message(token))
        return (token.user, token)


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "art.api.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                'Personal token: "Token <key>". Create one with POST /api/v1/auth/token/ or in the UI. '
                "Tokens may expire (401 saying when) and may be read-only (scope read: any write "
                "answers 403)."
            ),
        }
