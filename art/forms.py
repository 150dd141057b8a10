"""Forms of the train's pages. They parse input; the rules live in art.services, whose
ValidationErrors are shown next to the field they name (apply_service_errors)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from art.models import WEBHOOK_EVENTS, FeatureState, Membership, ProgramIncrement, Team, TeamMember
from art.models.webhooks import URL_MAX_LENGTH
from art.rules import kanban
from art.services.pi import MAX_ITERATION_WEEKS, MAX_ITERATIONS

T = TypeVar("T")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


EDIT_IDS = "id_edit-%s"


class RailyardForm(forms.Form):
    """A form whose messages name the field and the rule, like the services' messages."""

    #: Element ids are "id_<id_prefix>-<field>", so that several forms on one page (add a team,
    #: add a person) keep unique ids while posting plain field names. Edit forms use EDIT_IDS.
    id_prefix = "form"

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)
        for name, form_field in self.fields.items():
            label = (form_field.label or name.replace("_", " ")).lower()
            form_field.error_messages["required"] = f"{label} is required"
            if isinstance(form_field, forms.DateField):
                form_field.error_messages["invalid"] = f"{label} must be a date (YYYY-MM-DD)"
            if isinstance(form_field, forms.IntegerField | forms.DecimalField):
                form_field.error_messages["invalid"] = f"{label} must be a number"


def apply_service_errors(
    form: forms.Form, exc: ValidationError, aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form: each message next to the field it names
    (`aliases` maps a service's field name to the form's), the rest above the form."""
    aliases = aliases or {}
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.messages)]
    for name, messages in items:
        target: str | None = aliases.get(name, name)
        if target not in form.fields:
            target = None
        for message in messages:
            form.add_error(target, message)


def submit(
    form: forms.Form, act: Callable[[dict[str, Any]], T], aliases: Mapping[str, str] | None = None
) -> T | None:
    """Validate the form, then act on its cleaned data through a service. Returns what the
    service returned, or None when the form or the service refused (the reasons are then on
    the form, next to the fields they name)."""
    if not form.is_valid():
        return None
    try:
        return act(form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc, aliases)
        return None


class TrainForm(RailyardForm):
    id_prefix = "train"
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    time_zone = forms.CharField(
        max_length=64, initial="UTC", help_text="An IANA name such as Europe/Berlin: dates are shown in it."
    )

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                f"'{value}' is not a known time zone (use an IANA name such as Europe/Berlin)"
            )
        return value


class TeamForm(RailyardForm):
    id_prefix = "team"
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=Team.Kind.choices, initial=Team.Kind.STREAM_ALIGNED)
    abbreviation = forms.CharField(
        max_length=4,
        required=False,
        help_text="Up to 4 letters shown on cards; derived from the name if empty.",
    )
    wip_limit = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=kanban.MAX_LIMIT,
        label="WIP limit",
        help_text="The most of this team's features in flow at once on the ART Kanban (its lane); "
        "empty for none.",
        error_messages={
            "min_value": f"WIP limit must be a whole number from 1 to {kanban.MAX_LIMIT}",
            "max_value": f"WIP limit must be a whole number from 1 to {kanban.MAX_LIMIT}",
        },
    )


class MembershipForm(RailyardForm):
    id_prefix = "person"
    username = forms.CharField(max_length=150, help_text="The person's sign-in name.")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, help_text="Team members belong to one team."
    )

    def __init__(self, *args: Any, train: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = Team.objects.filter(train=train).order_by("name")
        team_field.empty_label = "No team (other roles)"
        team_field.error_messages["invalid_choice"] = "team must be one of this train's teams"


class MembershipRoleForm(MembershipForm):
    """Changing a person's role (and team): the person stays the same."""

    id_prefix = "edit"

    def __init__(self, *args: Any, train: Any, **kwargs: Any):
        super().__init__(*args, train=train, **kwargs)
        del self.fields["username"]


class PICreateForm(RailyardForm):
    id_prefix = "pi"
    name = forms.CharField(max_length=80, widget=forms.TextInput(attrs={"placeholder": "PI 26.2"}))
    start_date = forms.DateField(widget=DateInput())
    iterations = forms.IntegerField(
        initial=5,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_ITERATIONS}),
        help_text="Including the IP iteration, which is the last one.",
    )
    iteration_weeks = forms.IntegerField(
        label="Weeks per iteration",
        initial=2,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_ITERATION_WEEKS}),
    )


class PIForm(RailyardForm):
    id_prefix = "edit-pi"
    name = forms.CharField(max_length=80)
    start_date = forms.DateField(widget=DateInput())
    end_date = forms.DateField(widget=DateInput())
    state = forms.ChoiceField(choices=ProgramIncrement.State.choices)


class IterationForm(RailyardForm):
    id_prefix = "edit"
    start_date = forms.DateField(widget=DateInput())
    end_date = forms.DateField(widget=DateInput())


class MilestoneForm(RailyardForm):
    id_prefix = "milestone"
    name = forms.CharField(max_length=120)
    date = forms.DateField(widget=DateInput())
    description = forms.CharField(required=False, max_length=2000)


class TeamMemberForm(RailyardForm):
    id_prefix = "member"
    name = forms.CharField(max_length=120)
    role = forms.ChoiceField(choices=TeamMember.Role.choices, initial=TeamMember.Role.DEVELOPER)
    fte = forms.DecimalField(
        label="FTE",
        max_digits=3,
        decimal_places=2,
        initial="1.00",
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"}),
        help_text="Share of a full-time person, from 0 to 1.",
    )
    delivering = forms.BooleanField(
        required=False,
        initial=True,
        help_text="Counts toward capacity. Product owners and scrum masters only when ticked.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["fte"].error_messages["max_digits"] = "FTE must be between 0 and 1"
        self.fields["fte"].error_messages["max_whole_digits"] = "FTE must be between 0 and 1"
        self.fields["fte"].error_messages["max_decimal_places"] = "FTE has at most 2 decimals"


class ApiTokenForm(RailyardForm):
    id_prefix = "token"
    name = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Jira sync"}),
        help_text="Say where the token is used, so you know what breaks when you revoke it.",
    )
    expires = forms.ChoiceField(
        label="Expires",
        choices=[("30", "in 30 days"), ("90", "in 90 days"), ("365", "in a year"), ("never", "never")],
        initial="90",
        required=False,  # left out: 90 days
        help_text="A token that expires stops working by itself if it is forgotten.",
        error_messages={"invalid_choice": "expires must be 30, 90 or 365 days, or never"},
    )
    scope = forms.ChoiceField(
        label="Scope",
        choices=[("write", "Read and write"), ("read", "Read only")],
        initial="write",
        required=False,  # left out: read and write
        help_text="A read-only token can read everything you can, and change nothing.",
        error_messages={"invalid_choice": 'scope must be "read" or "write"'},
    )

    def clean_scope(self) -> str:
        return self.cleaned_data["scope"] or "write"

    def expires_at(self) -> dt.datetime | None:
        """When the token made of this (valid) form expires; None: never."""
        choice = self.cleaned_data["expires"] or "90"
        return None if choice == "never" else timezone.now() + dt.timedelta(days=int(choice))


# --- the ART Kanban ---------------------------------------------------------------------------


class KanbanMoveForm(RailyardForm):
    """A move on the ART Kanban (by drag or by the "Move to" menu): the target column, the
    version of the card the mover saw, and a reason when the move goes over a WIP limit (the
    service judges the reason: art.rules.kanban.reason_refusal)."""

    id_prefix = "move"
    state = forms.ChoiceField(choices=FeatureState.choices)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    reason = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["state"].error_messages["invalid_choice"] = (
            f"state must be one of {', '.join(FeatureState.values)}"
        )


class KanbanSettingsForm(RailyardForm):
    """The RTE's WIP limit per column (empty: none) and policy per column, checked by the rules
    the service applies (art.rules.kanban), each message naming the column."""

    id_prefix = "kanban"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        limit_words = f"must be a whole number from 1 to {kanban.MAX_LIMIT}"
        for state in kanban.LIMITABLE:
            words = f"the WIP limit of {kanban.label(state)} {limit_words}"
            self.fields[f"limit_{state}"] = forms.IntegerField(
                required=False,
                min_value=1,
                max_value=kanban.MAX_LIMIT,
                label=f"{kanban.label(state)} WIP limit",
                error_messages={"invalid": words, "min_value": words, "max_value": words},
            )
        for state in kanban.COLUMNS:
            self.fields[f"policy_{state}"] = forms.CharField(
                required=False,
                label=f"{kanban.label(state)} policy",
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": kanban.MAX_POLICY}),
            )

    @staticmethod
    def initial_of(train: Any) -> dict[str, Any]:
        limits, policies = train.wip_limits or {}, train.kanban_policies or {}
        initial: dict[str, Any] = {f"limit_{s}": limits.get(s) for s in kanban.LIMITABLE}
        initial.update({f"policy_{s}": policies.get(s, "") for s in kanban.COLUMNS})
        return initial

    def limit_fields(self) -> list[tuple[str, Any, Any]]:
        """(column label, its limit field or None, its policy field), in column order."""
        return [
            (kanban.label(s), self[f"limit_{s}"] if s in kanban.LIMITABLE else None, self[f"policy_{s}"])
            for s in kanban.COLUMNS
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        policies = {s: data.get(f"policy_{s}") or "" for s in kanban.COLUMNS if f"policy_{s}" in data}
        for state, message in kanban.policies_errors(policies).items():
            self.add_error(f"policy_{state}", message)
        return data

    def settings(self) -> dict[str, Any]:
        """What train_update takes: wip_limits and kanban_policies."""
        data = self.cleaned_data
        return {
            "wip_limits": {s: data.get(f"limit_{s}") for s in kanban.LIMITABLE},
            "kanban_policies": {s: data.get(f"policy_{s}") or "" for s in kanban.COLUMNS},
        }


class WebhookForm(RailyardForm):
    """A webhook's URL, events and state; the secret on creation (blank: Railyard makes one) or
    to replace it (blank: unchanged). The rules (where a URL may point) are the service's."""

    id_prefix = "webhook"
    url = forms.CharField(
        max_length=URL_MAX_LENGTH,
        label="Payload URL",
        widget=forms.TextInput(
            attrs={"placeholder": "https://jira-sync.example.com/railyard", "inputmode": "url"}
        ),
        help_text="Railyard POSTs signed JSON here: http or https, not an address inside your network.",
    )
    events = forms.MultipleChoiceField(
        choices=[(e, e) for e in WEBHOOK_EVENTS],
        widget=forms.CheckboxSelectMultiple,
        help_text="The changes this URL hears of.",
        error_messages={
            "invalid_choice": "%(value)s is not an event: events are " + ", ".join(WEBHOOK_EVENTS)
        },
    )
    secret = forms.CharField(
        required=False,
        max_length=200,
        help_text="Signs each delivery. Leave blank and Railyard makes one, shown once.",
    )
    active = forms.BooleanField(required=False, initial=True, label="Active: send deliveries")

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["secret"].label = "New secret"
            self.fields["secret"].help_text = "Leave blank to keep the current secret."
