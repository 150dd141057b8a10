"""Forms of the planning board and the capacity page. They parse input only: the rules (the
IP iteration, the Fibonacci scale, FTE, absence days, dependency providers) are the services'
and the models', whose messages are shown next to the field they name."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from art.forms import DateInput, RailyardForm
from art.models import FIBONACCI, Feature, Iteration, ProgramIncrement, Team

CARD_KINDS = (("feature", "Feature"), ("story", "Story"))


def parse_card(value: str) -> tuple[str, int] | None:
    """ "feature-12" -> ("feature", 12); anything else -> None."""
    kind, _, number = (value or "").partition("-")
    if kind in {"feature", "story"} and number.isdigit():
        return kind, int(number)
    return None


def _model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's ModelChoiceField `name` (form.fields is typed with the base Field)."""
    return cast(forms.ModelChoiceField, form.fields[name])


class IterationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Iteration) -> str:
        label = f"{obj.name} ({obj.start_date:%-d %b} – {obj.end_date:%-d %b})"
        return f"{label} · IP: no feature load" if obj.is_ip else label


class FeatureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Feature) -> str:
        return f"{obj.key} {obj.title}"[:90]


class MoveForm(RailyardForm):
    """Place a card: the team and the iteration (empty: not planned). `version` is the version
    the move is based on: a stale one is a conflict, never an overwrite."""

    id_prefix = "move"
    kind = forms.ChoiceField(choices=CARD_KINDS, widget=forms.HiddenInput)
    card = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    team = forms.ModelChoiceField(queryset=Team.objects.none())
    iteration = IterationChoiceField(queryset=Iteration.objects.none(), required=False)

    def __init__(self, *args: Any, pi: ProgramIncrement, teams: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _model_choice(self, "team").queryset = (
            teams if teams is not None else Team.objects.filter(train_id=pi.train_id)
        )
        self.fields["team"].error_messages["invalid_choice"] = "team must be one of this train's teams"
        iteration = _model_choice(self, "iteration")
        iteration.queryset = Iteration.objects.filter(pi=pi).order_by("number")
        iteration.empty_label = "Not planned"
        self.fields["iteration"].error_messages["invalid_choice"] = (
            "iteration must be one of this PI's iterations"
        )


class WsjfForm(RailyardForm):
    """The four WSJF inputs. Offered as the scale's values; any other number is refused by the
    model with the rule's message, not by the form."""

    id_prefix = "wsjf"
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    user_business_value = forms.IntegerField(label="User-business value")
    time_criticality = forms.IntegerField(label="Time criticality")
    risk_reduction = forms.IntegerField(label="Risk reduction / opportunity enablement")
    job_size = forms.IntegerField(label="Job size")

    SCORES = ("user_business_value", "time_criticality", "risk_reduction", "job_size")

    def __init__(self, *args: Any, feature: Feature | None = None, **kwargs: Any):
        kwargs.setdefault("auto_id", f"id_wsjf-{feature.pk if feature else 'x'}-%s")
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(n, str(n)) for n in FIBONACCI]
        for name in self.SCORES:
            self.fields[name].widget = forms.Select(choices=choices)


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
        requester_team = _model_choice(self, "requester_team")
        provider_team = _model_choice(self, "provider_team")
        feature = _model_choice(self, "feature")
        provider_feature = _model_choice(self, "provider_feature")
        requester_team.queryset = teams
        provider_team.queryset = teams
        provider_team.empty_label = "— an external provider —"
        feature.queryset = features
        provider_feature.queryset = Feature.objects.filter(train_id=pi.train_id).order_by("id")
        feature.empty_label = "— none —"
        provider_feature.empty_label = "— none —"
        _model_choice(self, "needed_by").queryset = Iteration.objects.filter(pi=pi).order_by("number")
        for name in ("requester_team", "provider_team"):
            self.fields[name].error_messages["invalid_choice"] = f"{name} must be one of this train's teams"
        self.fields["needed_by"].error_messages["invalid_choice"] = (
            "needed_by must be an iteration of this PI"
        )
        for name in ("feature", "provider_feature"):
            self.fields[name].error_messages["invalid_choice"] = f"{name} must be a feature of this train"


class BaselineForm(RailyardForm):
    id_prefix = "baseline"
    note = forms.CharField(
        max_length=240,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Plan as committed on day 2"}),
    )


class MemberCapacityForm(RailyardForm):
    """One person's FTE, whether they deliver, and their absence days per iteration."""

    fte = forms.DecimalField(label="FTE", max_digits=4, decimal_places=2)
    delivering = forms.BooleanField(required=False)

    def __init__(self, *args: Any, member: Any, iterations: list[Iteration], **kwargs: Any):
        kwargs.setdefault("auto_id", f"id_m{member.pk}-%s")
        super().__init__(*args, **kwargs)
        self.fields["fte"].widget = forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"})
        self.iterations = iterations
        for iteration in iterations:
            self.fields[f"absence_{iteration.pk}"] = forms.DecimalField(
                label=f"Absence days in {iteration.name}",
                max_digits=4,
                decimal_places=1,
                required=False,
                widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": str(iteration.workdays)}),
            )

    def absences(self) -> list[tuple[Iteration, Any]]:
        return [(it, self.cleaned_data.get(f"absence_{it.pk}") or 0) for it in self.iterations]

    def clean(self) -> dict[str, Any]:
        data = cast("dict[str, Any]", super().clean())  # Form.clean() returns cleaned_data
        for iteration in self.iterations:
            days = data.get(f"absence_{iteration.pk}")
            if days is not None and not 0 <= days <= iteration.workdays:
                self.add_error(
                    f"absence_{iteration.pk}",
                    ValidationError(
                        f"days must be between 0 and the iteration's {iteration.workdays} workdays"
                    ),
                )
        return data


class HolidayForm(RailyardForm):
    id_prefix = "holiday"
    date = forms.DateField(widget=DateInput())
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"placeholder": "e.g. Labour Day"}))
