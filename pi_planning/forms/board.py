"""The board's forms: a card's move, and a dependency drawn between two cards."""

from __future__ import annotations

from typing import Any

from django import forms

from art.forms import RailyardForm
from art.models import Feature, Iteration, ProgramIncrement, Team
from pi_planning.forms.common import model_choice_field

CARD_KINDS = (("feature", "Feature"), ("story", "Story"))


def parse_card(value: str) -> tuple[str, int] | None:
    """ "feature-12" -> ("feature", 12); anything else -> None."""
    kind, _, number = (value or "").partition("-")
    if kind in {"feature", "story"} and number.isdigit():
        return kind, int(number)
    return None


class IterationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Iteration) -> str:
        label = f"{obj.name} ({obj.start_date:%-d %b} – {obj.end_date:%-d %b})"
        return f"{label} · IP: no feature load" if obj.is_ip else label


class FeatureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Feature) -> str:
        return f"{obj.key} {obj.title}"[:90]


def parse_versions(value: str) -> dict[int, int] | None:
    """ "12:3,13:1" -> {12: 3, 13: 1}; "" -> {}; anything malformed -> None."""
    out: dict[int, int] = {}
    for part in (value or "").split(","):
        if not part.strip():
            continue
        pk, _, version = part.strip().partition(":")
        if not (pk.isdigit() and version.isdigit()):
            return None
        out[int(pk)] = int(version)
    return out


class MoveForm(RailyardForm):
    """Place a card: the team and the iteration (empty: not planned). `version` is the version
    the move is based on: a stale one is a conflict, never an overwrite. A feature's move may
    carry its stories (`move_stories`, `pull_in_stories`), based on the stories' versions the
    person saw (`story_versions`, "id:version,...")."""

    id_prefix = "move"
    kind = forms.ChoiceField(choices=CARD_KINDS, widget=forms.HiddenInput)
    card = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    iteration = IterationChoiceField(queryset=Iteration.objects.none(), required=False)
    move_stories = forms.BooleanField(required=False)
    pull_in_stories = forms.BooleanField(required=False)
    story_versions = forms.CharField(required=False, max_length=20000, widget=forms.HiddenInput)

    def clean_story_versions(self) -> dict[int, int] | None:
        raw = self.cleaned_data.get("story_versions") or ""
        if not raw.strip():
            return None
        versions = parse_versions(raw)
        if versions is None:
            raise forms.ValidationError("story_versions must read id:version, separated by commas")
        return versions

    def __init__(self, *args: Any, pi: ProgramIncrement, teams: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        model_choice_field(self, "team").queryset = (
            teams if teams is not None else Team.objects.filter(train_id=pi.train_id)
        )
        self.fields["team"].error_messages["invalid_choice"] = "team must be one of this train's teams"
        iteration = model_choice_field(self, "iteration")
        iteration.queryset = Iteration.objects.filter(pi=pi).order_by("number")
        iteration.empty_label = "Not planned"
        self.fields["iteration"].error_messages["invalid_choice"] = (
            "iteration must be one of this PI's iterations"
        )


class DependencyForm(RailyardForm):
    """A dependency from the board: who needs it (team, and the feature that needs it), who
    provides it (a team of the train, and its feature, or an outside party), and by when."""

    id_prefix = "dep"
    title = forms.CharField(max_length=240, required=False, help_text="What is needed, in a few words.")
    requester_team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Requesting team")
    feature = FeatureChoiceField(queryset=Feature.objects.none(), required=False, label="Requesting feature")
    provider_team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Providing team"
    )
    provider_feature = FeatureChoiceField(
        queryset=Feature.objects.none(), required=False, label="Providing feature"
    )
    external_provider = forms.CharField(
        max_length=120,
        required=False,
        label="Or an external provider",
        help_text="Someone outside the train, e.g. 'Bank API vendor'. Leave the providing team empty.",
    )
    needed_by = IterationChoiceField(queryset=Iteration.objects.none(), label="Needed by")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, pi: ProgramIncrement, **kwargs: Any):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(train_id=pi.train_id).order_by("name")
        features = Feature.objects.filter(train_id=pi.train_id, pi=pi).order_by("id")
        requester_team = model_choice_field(self, "requester_team")
        provider_team = model_choice_field(self, "provider_team")
        feature = model_choice_field(self, "feature")
        provider_feature = model_choice_field(self, "provider_feature")
        requester_team.queryset = teams
        provider_team.queryset = teams
        provider_team.empty_label = "— an external provider —"
        feature.queryset = features
        provider_feature.queryset = Feature.objects.filter(train_id=pi.train_id).order_by("id")
        feature.empty_label = "— none —"
        provider_feature.empty_label = "— none —"
        model_choice_field(self, "needed_by").queryset = Iteration.objects.filter(pi=pi).order_by("number")
        for name in ("requester_team", "provider_team"):
            self.fields[name].error_messages["invalid_choice"] = f"{name} must be one of this train's teams"
        self.fields["needed_by"].error_messages["invalid_choice"] = (
            "needed_by must be an iteration of this PI"
        )
        for name in ("feature", "provider_feature"):
            self.fields[name].error_messages["invalid_choice"] = f"{name} must be a feature of this train"
