"""Who has a page of the train open now (live presence), one row per open socket.

Rows live in the database so that every web process (several replicas behind the proxy) sees
the same room; a row counts while its heartbeat is fresh (settings.RAILYARD_PRESENCE_TTL) and
is removed when its socket closes. `card` is the card its person is editing (a soft lock shown
to the others; the version check stays the real guard)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .trains import ReleaseTrain


class Presence(models.Model):
    channel_name = models.CharField(max_length=120, unique=True)
    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="presences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presences")
    page = models.CharField(max_length=200)
    card = models.CharField(max_length=40, blank=True, default="")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["train", "page", "seen_at"], name="presence_page_seen")]

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("user",)

    def __str__(self) -> str:
        return f"{self.user} on {self.page}"
