"""What sync does when the train's core changes: a PI's calendar follows its dates, its
iterations and the train's holidays (generated again on commit, by a task)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from art.signals import pi_schedule_changed


@receiver(pi_schedule_changed)
def regenerate_pi_calendar(sender: Any, pi_id: int, **kwargs: Any) -> None:
    from sync import tasks

    tasks.pi_events_generate.delay(pi_id)
