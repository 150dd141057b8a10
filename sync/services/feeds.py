"""Each person's secret calendar feed: a URL that calendar apps poll without signing in.

The URL's token is "<user id>.<signature>": an HMAC (django.utils.crypto.salted_hmac, keyed by the
site's secret key) of the user id and the person's CalendarFeed.nonce. Regenerating the nonce
makes every earlier URL answer 404; nothing secret is stored that would let someone rebuild a URL
without the secret key.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from sync.models import CalendarFeed

#: The HMAC's purpose: a signature made for something else never verifies here.
FEED_SALT = "railyard.calendar-feed"
TOKEN = re.compile(r"^(?P<user_id>[1-9][0-9]{0,18})\.(?P<signature>[0-9a-f]{64})$")


def _signature(user_id: int, nonce: str) -> str:
    return salted_hmac(FEED_SALT, f"{user_id}.{nonce}", algorithm="sha256").hexdigest()


def _new_nonce() -> str:
    return secrets.token_urlsafe(32)


def calendar_feed_token(*, user: Any) -> str:
    """The person's feed token; their feed is created on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user, defaults={"nonce": _new_nonce()})
    return f"{user.pk}.{_signature(user.pk, feed.nonce)}"


def calendar_feed_regenerate(*, actor: Any) -> str:
    """A new secret for the person's feed: the old URL answers 404 from now on. Returns the new
    token."""
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(
            user=actor, defaults={"nonce": _new_nonce()}
        )
        if not created:
            feed.nonce = _new_nonce()
            feed.save(update_fields=["nonce"])
    return f"{actor.pk}.{_signature(actor.pk, feed.nonce)}"


def feed_user(token: str) -> Any | None:
    """The active person whose feed `token` opens, or None (unknown, malformed or regenerated
    since). The signature is compared in constant time."""
    match = TOKEN.match(token or "")
    if match is None:
        return None
    user_id = int(match["user_id"])
    feed = CalendarFeed.objects.select_related("user").filter(user_id=user_id, user__is_active=True).first()
    # Compare even without a feed, so that an unknown user costs the same as a wrong signature.
    expected = _signature(user_id, feed.nonce if feed is not None else "")
    if not constant_time_compare(expected, match["signature"]) or feed is None:
        return None
    return feed.user
