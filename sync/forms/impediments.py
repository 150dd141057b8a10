"""The impediment log's forms: raise, edit, resolve or reopen. They parse; the rules and their
words are sync.services.impediments', so that a refusal reads the same on the page and in the
API."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django import forms

from art.forms import DateInput, RailyardForm
from pi_planning.forms.common import CardForm, Choices, choice_field
from sync.models import Impediment
from sync.services.impediments import (
    CATEGORY_REFUSAL,
    ESCALATION_REFUSAL,
    STATUS_REFUSAL,
    TEAM_REFUSAL,
    TITLE_REFUSAL,
)

WHOLE_TRAIN = "Whole train (no team)"
#: What each escalation level means, under its choice on the raise form.
ESCALATION_HINTS = {
    Impediment.Escalation.TEAM: "The team can remove it",
    Impediment.Escalation.ART: "Needs the RTE or other teams",
    Impediment.Escalation.PORTFOLIO: "Needs decisions beyond the train",
}


def team_choices(teams: Iterable[Any]) -> list[tuple[str, str]]:
    return [(str(t.pk), t.name) for t in teams]


def _refuse_unknown(form: forms.BaseForm) -> None:
    """A value outside the choices answers with the service's words (page and API alike)."""
    for name, words in (
        ("category", CATEGORY_REFUSAL),
        ("escalation", ESCALATION_REFUSAL),
        ("status", STATUS_REFUSAL),
        ("team", TEAM_REFUSAL),
    ):
        if name in form.fields:
            form.fields[name].error_messages["invalid_choice"] = words


class ImpedimentCreateForm(RailyardForm):
    """Raising an impediment: made for a phone (one column, native pickers, big targets)."""

    id_prefix = "impediment"

    title = forms.CharField(
        max_length=240,
        label="What is in the way?",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Staging down since Monday"}),
    )
    category = forms.ChoiceField(choices=[("", "Choose a category"), *Impediment.Category.choices])
    team = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Team")
    escalation = forms.ChoiceField(
        choices=Impediment.Escalation.choices,
        initial=Impediment.Escalation.TEAM,
        widget=forms.RadioSelect,
        label="Who can remove it?",
        help_text="Escalate what the team cannot remove itself.",
    )
    owner = forms.CharField(
        max_length=120, required=False, help_text="Who works on removing it; you can add it later."
    )
    description = forms.CharField(
        required=False, max_length=4000, label="Details", widget=forms.Textarea(attrs={"rows": 3})
    )
    created_at = forms.DateField(
        required=False,
        label="In the way since",
        widget=DateInput(),
        help_text="Leave empty for today.",
    )

    def __init__(self, *args: Any, teams: Choices = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        choice_field(self, "team").choices = [("", WHOLE_TRAIN), *teams]
        self.fields["title"].error_messages["required"] = TITLE_REFUSAL
        self.fields["created_at"].error_messages["invalid"] = "created_at must be a date (YYYY-MM-DD)"
        _refuse_unknown(self)

    def escalation_options(self) -> list[tuple[Any, str]]:
        """Each escalation choice (a radio) with what it means."""
        return [(radio, ESCALATION_HINTS.get(radio.data["value"], "")) for radio in self["escalation"]]

    def created_at_in(self, time_zone: str) -> dt.datetime | None:
        """The day given, from midnight in the train's time zone; None (now) for today or none."""
        day = self.cleaned_data.get("created_at")
        tz = zoneinfo.ZoneInfo(time_zone)
        if day is None or day == dt.datetime.now(tz).date():
            return None
        return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


class ImpedimentEditForm(CardForm):
    """Editing an impediment's card: the version and the values the person saw travel with it."""

    id_prefix = "impediment-edit"
    card_fields = ("title", "category", "team", "escalation", "owner", "description")

    title = forms.CharField(max_length=240)
    category = forms.ChoiceField(choices=Impediment.Category.choices)
    team = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    escalation = forms.ChoiceField(choices=Impediment.Escalation.choices, label="Escalated to")
    owner = forms.CharField(max_length=120, required=False)
    description = forms.CharField(
        required=False, max_length=4000, label="Details", widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, teams: Choices = (), **kwargs: Any):
        self._teams = list(teams)
        super().__init__(*args, **kwargs)
        choice_field(self, "team").choices = [("", WHOLE_TRAIN), *self._teams]
        self.fields["title"].error_messages["required"] = TITLE_REFUSAL
        _refuse_unknown(self)

    def _rebuild_kwargs(self) -> dict[str, Any]:
        return {**super()._rebuild_kwargs(), "teams": self._teams}

    @classmethod
    def values_of(cls, obj: Any) -> dict[str, Any]:
        return {
            "title": obj.title,
            "category": obj.category,
            "team": obj.team_id,
            "escalation": obj.escalation,
            "owner": obj.owner,
            "description": obj.description,
            "version": obj.version,
        }


class ImpedimentStatusForm(CardForm):
    """Resolving or reopening: one button, with the version the card showed."""

    id_prefix = "impediment-status"
    card_fields = ("status",)

    status = forms.ChoiceField(choices=Impediment.Status.choices)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _refuse_unknown(self)

    @classmethod
    def values_of(cls, obj: Any) -> dict[str, Any]:
        return {"status": obj.status, "version": obj.version}
