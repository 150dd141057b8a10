"""Reads of personal API tokens: a user's own (the tokens page), and the tokens that act in a
train (the RTE's list on the train overview): never the keys, which are not stored."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from art.models import ApiToken, Membership, ReleaseTrain


def api_tokens_of(*, user: Any) -> QuerySet[ApiToken]:
    """The user's tokens: the working and expired first (newest first), the revoked last."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def train_api_tokens(*, train: ReleaseTrain) -> QuerySet[ApiToken]:
    """The unrevoked tokens of the train's members (expired ones included: they say an
    integration is about to break, or broke), with their owners, by owner then name. One query."""
    members = Membership.objects.filter(train=train).values("user_id")
    return (
        ApiToken.objects.filter(user_id__in=members, revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .order_by("user__username", "name", "pk")
    )
