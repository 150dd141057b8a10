"""The ROAM board's forms: raise, edit, move."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from art.forms import RailyardForm
from pi_planning.forms.common import CardForm, Choices, choice_field
from pi_planning.models import Risk


class RiskCreateForm(RailyardForm):
    id_prefix = "risk"

    title = forms.CharField(max_length=240, label="Risk")
    team = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    owner = forms.CharField(max_length=120, required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, teams: Iterable[Any] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        choice_field(self, "team").choices = [("", "Whole train")] + [(str(t.pk), t.name) for t in teams]


class RiskEditForm(CardForm):
    id_prefix = "risk-edit"
    card_fields = ("title", "owner", "mitigation_plan", "team", "description")

    title = forms.CharField(max_length=240)
    owner = forms.CharField(max_length=120, required=False)
    mitigation_plan = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    team = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, teams: Choices = (), **kwargs: Any):
        self._kwargs = {"teams": teams}
        super().__init__(*args, **kwargs)
        choice_field(self, "team").choices = [("", "Whole train"), *teams]

    def _rebuild_kwargs(self) -> dict[str, Any]:
        return {**super()._rebuild_kwargs(), **self._kwargs}

    @classmethod
    def values_of(cls, obj: Risk) -> dict[str, Any]:
        return {
            "title": obj.title,
            "owner": obj.owner,
            "mitigation_plan": obj.mitigation_plan,
            "team": obj.team_id,
            "description": obj.description,
            "version": obj.version,
        }


class RiskMoveForm(CardForm):
    """A ROAM move (a drag or the move menu); owner and plan only when the person supplies them
    (the inline form after a refusal)."""

    id_prefix = "risk-move"
    card_fields = ("roam",)

    roam = forms.ChoiceField(choices=Risk.Roam.choices, label="Move to")
    owner = forms.CharField(max_length=120, required=False)
    mitigation_plan = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def supplied(self) -> dict[str, str]:
        """Owner and plan, only those present in the request."""
        return {name: self.cleaned_data[name] for name in ("owner", "mitigation_plan") if name in self.data}

    @classmethod
    def values_of(cls, obj: Risk) -> dict[str, Any]:
        return {"roam": obj.roam, "version": obj.version}
