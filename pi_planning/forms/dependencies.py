"""The dependency board's forms: create, move along the lifecycle, edit, comment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from art import rules
from art.forms import RailyardForm
from pi_planning.forms.common import CardForm, Choices, choice_field
from pi_planning.models import Dependency


class DependencyCreateForm(RailyardForm):
    id_prefix = "dependency"

    title = forms.CharField(max_length=240, label="What is needed")
    requester_team = forms.TypedChoiceField(coerce=int, label="Requesting team")
    provider_team = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="Providing team"
    )
    external_provider = forms.CharField(
        max_length=120, required=False, label="…or outside provider", help_text="A party outside the train."
    )
    needed_by = forms.TypedChoiceField(coerce=int, label="Needed by")
    feature = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Requesting feature")
    provider_feature = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="Provider's feature"
    )
    owner = forms.CharField(max_length=120, required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        teams: Iterable[Any] = (),
        iterations: Iterable[Any] = (),
        features: Iterable[Any] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        team_choices = [(str(t.pk), t.name) for t in teams]
        feature_choices = [("", "—")] + [(str(f.pk), f"{f.key} {f.title}") for f in features]
        choice_field(self, "requester_team").choices = [("", "—"), *team_choices]
        choice_field(self, "provider_team").choices = [("", "—"), *team_choices]
        choice_field(self, "needed_by").choices = [("", "—")] + [(str(i.pk), i.name) for i in iterations]
        choice_field(self, "feature").choices = feature_choices
        choice_field(self, "provider_feature").choices = feature_choices


class DependencyStateForm(CardForm):
    """Move a dependency along its lifecycle; committing takes an iteration (the needed-by one
    accepts it; another is a counter-proposal)."""

    id_prefix = "dep-state"
    card_fields = ("state", "committed_iteration")

    state = forms.ChoiceField(choices=list(rules.dependencies.DEPENDENCY_STATE_LABELS.items()), label="State")
    committed_iteration = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="Committed iteration"
    )

    def __init__(self, *args: Any, iterations: Choices = (), **kwargs: Any):
        self._kwargs = {"iterations": iterations}
        super().__init__(*args, **kwargs)
        choice_field(self, "committed_iteration").choices = [("", "—"), *iterations]

    def _rebuild_kwargs(self) -> dict[str, Any]:
        return {**super()._rebuild_kwargs(), **self._kwargs}

    @classmethod
    def values_of(cls, obj: Dependency) -> dict[str, Any]:
        return {"state": obj.state, "committed_iteration": obj.committed_iteration_id, "version": obj.version}


class DependencyEditForm(CardForm):
    id_prefix = "dep-edit"
    card_fields = ("title", "owner", "needed_by", "committed_iteration", "description")

    title = forms.CharField(max_length=240, required=False)
    owner = forms.CharField(max_length=120, required=False, help_text="Who drives it, by name.")
    needed_by = forms.TypedChoiceField(coerce=int, label="Needed by")
    committed_iteration = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="Committed iteration"
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        iterations: Choices = (),
        pi_iterations: Choices = (),
        editable: Iterable[str] | None = None,
        **kwargs: Any,
    ):
        """`editable`: the fields the person's side of the dependency edits (the requester its
        need, the provider its answer); the others show disabled. None: all."""
        self._kwargs = {"iterations": iterations, "pi_iterations": pi_iterations, "editable": editable}
        super().__init__(*args, **kwargs)
        if editable is not None:
            for name in self.card_fields:
                self.fields[name].disabled = name not in set(editable)
        choice_field(self, "needed_by").choices = list(pi_iterations)
        choice_field(self, "committed_iteration").choices = [("", "—"), *iterations]

    def _rebuild_kwargs(self) -> dict[str, Any]:
        return {**super()._rebuild_kwargs(), **self._kwargs}

    @classmethod
    def values_of(cls, obj: Dependency) -> dict[str, Any]:
        return {
            "title": obj.title,
            "owner": obj.owner,
            "needed_by": obj.needed_by_id,
            "committed_iteration": obj.committed_iteration_id,
            "description": obj.description,
            "version": obj.version,
        }


class CommentForm(RailyardForm):
    id_prefix = "comment"
    body = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}), label="Comment")
