"""Personal API tokens: only a hash of each key is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the key is stored; the key is shown once.

    A token may expire (`expires_at`; none: it never does) and may be read-only (`scope`
    "read": GET, HEAD and OPTIONS only). Rotating a token (signing in again under its name)
    keeps the row and replaces the key: `rotated_at` says when."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=8, help_text="First characters of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="None: the token never expires.")
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.WRITE)
    rotated_at = models.DateTimeField(null=True, blank=True, help_text="When the key was last replaced.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="token_name_not_empty"),
            models.CheckConstraint(condition=Q(scope__in=["read", "write"]), name="token_scope_known"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        """Not revoked (it may still have expired: see is_expired)."""
        return self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def works(self) -> bool:
        """Opens the API: neither revoked nor expired."""
        return self.is_active and not self.is_expired

    @property
    def read_only(self) -> bool:
        return self.scope == self.Scope.READ
