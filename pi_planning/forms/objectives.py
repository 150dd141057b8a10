"""The form of a PI objective."""

from __future__ import annotations

from typing import Any

from django import forms

from pi_planning.forms.common import CardForm, Choices, choice_field
from pi_planning.models import Objective


class ObjectiveForm(CardForm):
    """An objective. Team members write the text, commitment and features; business owners
    (and the RTE) the business values. Fields the person may not set are disabled."""

    id_prefix = "objective"
    card_fields = ("title", "description", "committed", "features", "planned_bv", "actual_bv")
    TEAM_FIELDS = ("title", "description", "committed", "features")
    VALUE_FIELDS = ("planned_bv", "actual_bv")

    title = forms.CharField(max_length=240)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    committed = forms.BooleanField(
        required=False, initial=True, help_text="Uncommitted objectives are stretch goals."
    )
    features = forms.MultipleChoiceField(required=False, label="Linked features")
    # The 1–10 and 0–10 ranges are the service's to check, in words that name the rule.
    planned_bv = forms.IntegerField(required=False, label="Planned BV", help_text="1 to 10, business owners")
    actual_bv = forms.IntegerField(
        required=False, label="Actual BV", help_text="0 to 10, at the PI system demo"
    )

    def __init__(
        self,
        *args: Any,
        feature_choices: Choices = (),
        may_edit_text: bool = True,
        may_score: bool = False,
        **kwargs: Any,
    ):
        self._kwargs = {
            "feature_choices": feature_choices,
            "may_edit_text": may_edit_text,
            "may_score": may_score,
        }
        super().__init__(*args, **kwargs)
        choice_field(self, "features").choices = [(str(k), v) for k, v in feature_choices]
        self.fields["features"].widget.attrs["size"] = str(min(8, max(3, len(feature_choices))))
        for name in self.TEAM_FIELDS:
            self.fields[name].disabled = not may_edit_text
        for name in self.VALUE_FIELDS:
            self.fields[name].disabled = not may_score
        self.fields["title"].required = may_edit_text

    def _rebuild_kwargs(self) -> dict[str, Any]:
        return {**super()._rebuild_kwargs(), **self._kwargs}

    @classmethod
    def values_of(cls, obj: Objective) -> dict[str, Any]:
        values = super().values_of(obj)
        values["features"] = [str(f.pk) for f in obj.features.all()]
        return values

    def clean_features(self) -> list[int]:
        return [int(v) for v in self.cleaned_data.get("features") or []]
