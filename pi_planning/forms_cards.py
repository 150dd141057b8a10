"""Forms of the card boards (objectives, confidence vote, dependencies, risks). They parse input;
the rules live in pi_planning.services and pi_planning.rules, whose ValidationErrors are shown
next to the field they name (art.forms.apply_service_errors).

Cards that several people edit carry their `version`, and each edited field carries the value
the person saw (a hidden `initial-<field>` input, Django's show_hidden_initial). So on a stale
write the page can say exactly which fields *they* changed, which ones someone else changed
meanwhile, and offer a retry that re-applies only their edits onto the current card."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from art import rules
from art.forms import RailyardForm
from pi_planning.models import Dependency, Objective, Risk

Choices = Sequence[tuple[Any, str]]


def _choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's ChoiceField `name` (form.fields is typed with the base Field)."""
    return cast(forms.ChoiceField, form.fields[name])


@dataclass(frozen=True)
class ConflictRow:
    label: str
    seen: str
    yours: str
    now: str
    edited: bool  # the person changed this field
    changed_meanwhile: bool  # someone else changed it since the person loaded the card

    @property
    def clash(self) -> bool:
        return self.edited and self.changed_meanwhile


class CardForm(RailyardForm):
    """A form that edits a versioned card."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    #: Fields that carry the value the person saw, to tell their edits from stale values.
    card_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in self.card_fields:
            self.fields[name].show_hidden_initial = True

    @classmethod
    def values_of(cls, obj: Any) -> dict[str, Any]:
        """The card's current values, as this form's initial data."""
        return {name: getattr(obj, name) for name in cls.card_fields} | {"version": obj.version}

    def seen_inputs(self) -> SafeString:
        """The hidden inputs with the values the person sees now (render inside the <form>)."""
        return format_html_join(
            "",
            "{}",
            (
                (self[name].as_hidden(only_initial=True),)
                for name in self.card_fields
                if not self.fields[name].disabled
            ),
        )

    def edited(self) -> list[str]:
        """Fields the person changed (valid forms only)."""
        return [n for n in self.changed_data if n in self.card_fields and not self.fields[n].disabled]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.edited()}

    def _seen(self, name: str) -> Any:
        field = self.fields[name]
        raw = field.hidden_widget().value_from_datadict(self.data, self.files, self.add_initial_prefix(name))
        try:
            return field.to_python(raw)
        except forms.ValidationError:
            return raw

    def display(self, name: str, value: Any) -> str:
        field = self.fields[name]
        if value in (None, "", [], ()):
            return "—"
        if isinstance(field, forms.BooleanField):
            return "yes" if value else "no"
        choices = dict((str(k), v) for k, v in getattr(field, "choices", ()) or ())
        if isinstance(value, list | tuple | set):
            return ", ".join(choices.get(str(v), str(v)) for v in value)
        if choices:
            return str(choices.get(str(getattr(value, "pk", value)), value))
        return str(value)

    def conflict_rows(self, current: Mapping[str, Any]) -> list[ConflictRow]:
        """For each field: what the person saw, what they sent, what it is now."""
        edited = set(self.edited()) if self.is_bound and self.is_valid() else set()
        rows = []
        for name in self.card_fields:
            field = self.fields[name]
            if field.disabled:
                continue
            seen = self._seen(name)
            yours = self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
            now = current.get(name)
            meanwhile = _norm(seen) != _norm(now)
            if name not in edited and not meanwhile:
                continue
            rows.append(
                ConflictRow(
                    label=str(field.label or name.replace("_", " ")).capitalize(),
                    seen=self.display(name, seen),
                    yours=self.display(name, yours),
                    now=self.display(name, now),
                    edited=name in edited,
                    changed_meanwhile=meanwhile,
                )
            )
        return rows

    def retry(self, current: Mapping[str, Any], version: int) -> CardForm:
        """A form over the current card with the person's edits re-applied: submitting it saves
        only their edits, based on the current version."""
        data: dict[str, Any] = {}
        edited = set(self.edited()) if self.is_valid() else set()
        for name in self.card_fields:
            now = _raw(current.get(name))
            data[self.add_initial_prefix(name)] = now
            data[name] = _raw(self.cleaned_data[name]) if name in edited else now
        data["version"] = version
        return self.__class__(_Data(data), **self._rebuild_kwargs())

    def _rebuild_kwargs(self) -> dict[str, Any]:
        return {"auto_id": self.auto_id}


class _Data(dict):
    """Bound data for a rebuilt form: lists for multi-value fields (QueryDict-like getlist)."""

    def getlist(self, key: str) -> list[Any]:
        value = self.get(key, [])
        return list(value) if isinstance(value, list | tuple) else [value]


def _raw(value: Any) -> Any:
    if isinstance(value, bool):
        return "on" if value else ""
    if value is None:
        return ""
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, list | tuple | set):
        return [str(getattr(v, "pk", v)) for v in value]
    return str(value)


def _norm(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple | set):
        return sorted(str(getattr(v, "pk", v)) for v in value)
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, bool):
        return value
    return str(value).strip()


def _select(
    choices: Choices, *, required: bool = True, label: str | None = None, **kwargs: Any
) -> forms.Field:
    return forms.TypedChoiceField(
        choices=[("", "—")] + [(str(k), v) for k, v in choices]
        if not required
        else [(str(k), v) for k, v in choices],
        required=required,
        label=label,
        coerce=int,
        empty_value=None,
        **kwargs,
    )


# --- objectives -------------------------------------------------------------------------------


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
        _choice_field(self, "features").choices = [(str(k), v) for k, v in feature_choices]
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


# --- confidence vote --------------------------------------------------------------------------


class VoteForm(RailyardForm):
    id_prefix = "vote"
    scope = forms.CharField(help_text="A team's id, or 'train' for the train's vote.")
    score = forms.IntegerField(label="Confidence")
    concern = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Your concern",
        help_text="What would need to change for you to be more confident? Shared without your name.",
    )

    def clean_scope(self) -> int | None:
        value = self.cleaned_data["scope"].strip()
        if value == "train":
            return None
        if not value.isdigit():
            raise forms.ValidationError("scope must be a team or 'train'")
        return int(value)


class VoteScopeForm(RailyardForm):
    """Which vote the RTE opens or reveals: a team, or the train (empty)."""

    id_prefix = "round"
    team = forms.IntegerField(required=False)


# --- dependencies -----------------------------------------------------------------------------


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
        _choice_field(self, "requester_team").choices = [("", "—"), *team_choices]
        _choice_field(self, "provider_team").choices = [("", "—"), *team_choices]
        _choice_field(self, "needed_by").choices = [("", "—")] + [(str(i.pk), i.name) for i in iterations]
        _choice_field(self, "feature").choices = feature_choices
        _choice_field(self, "provider_feature").choices = feature_choices


def iteration_choices(iterations: Iterable[Any], pi_id: int) -> list[tuple[str, str]]:
    return [(str(i.pk), i.name if i.pi_id == pi_id else f"{i.pi.name} · {i.name}") for i in iterations]


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
        _choice_field(self, "committed_iteration").choices = [("", "—"), *iterations]

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

    def __init__(self, *args: Any, iterations: Choices = (), pi_iterations: Choices = (), **kwargs: Any):
        self._kwargs = {"iterations": iterations, "pi_iterations": pi_iterations}
        super().__init__(*args, **kwargs)
        _choice_field(self, "needed_by").choices = list(pi_iterations)
        _choice_field(self, "committed_iteration").choices = [("", "—"), *iterations]

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


# --- risks ------------------------------------------------------------------------------------


class RiskCreateForm(RailyardForm):
    id_prefix = "risk"

    title = forms.CharField(max_length=240, label="Risk")
    team = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    owner = forms.CharField(max_length=120, required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, teams: Iterable[Any] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice_field(self, "team").choices = [("", "Whole train")] + [(str(t.pk), t.name) for t in teams]


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
        _choice_field(self, "team").choices = [("", "Whole train"), *teams]

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
