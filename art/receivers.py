"""What follows from changes art does not make itself.

A password change revokes the user's API tokens: whoever held the old password may have made
one. (Django already signs out the user's other sessions: a session carries a hash of the
password it was opened with.)"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from art.models import ApiToken


@receiver(pre_save, sender=get_user_model(), dispatch_uid="art.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "password" not in update_fields:
        return
    old = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is not None and old != instance.password:
        active = ApiToken.objects.filter(user_id=instance.pk, revoked_at__isnull=True)
        active.update(revoked_at=timezone.now())
