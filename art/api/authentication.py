from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from art.services.tokens import api_token_user


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` checked against the SHA-256 stored for each personal token."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        user = api_token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return (user, None)


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "art.api.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                'Personal token: "Token <key>". Create one with POST /api/v1/auth/token/ or in the UI.'
            ),
        }
