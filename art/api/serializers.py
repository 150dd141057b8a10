"""The REST shape of the train's core (docs/api.md). Serializers parse and render only:
rules live in the models and services, which speak through art.api.errors (400 naming the field).

Related objects are given by id and resolved among the trains the caller may see, so an id of
another train answers exactly like a missing one: 400 "<model> <id> does not exist"."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from art.access import visible, with_train_path
from art.models import (
    Absence,
    ApiToken,
    Feature,
    FeatureTransition,
    Iteration,
    Membership,
    Milestone,
    ProgramIncrement,
    ReleaseTrain,
    Story,
    Team,
    TeamMember,
)
from art.services.tokens import NAME_REQUIRED, SCOPE_RULE, SIGN_IN_NAME, api_token_check

User = get_user_model()


# --- fields ---------------------------------------------------------------------------------


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """An id among the objects of the trains the caller belongs to (art.access.visible)."""

    default_error_messages = {
        "does_not_exist": "{model} {pk_value} does not exist.",
        "incorrect_type": "Incorrect type. Expected an id (integer), received {data_type}.",
    }

    def get_queryset(self):
        request = self.context.get("request")
        return visible(getattr(request, "user", None), super().get_queryset())

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        # The train path fetched along: the train of the object is checked (art.api.upserts) with no query.
        queryset = with_train_path(self.get_queryset())
        try:
            return queryset.get(pk=data)
        except queryset.model.DoesNotExist:
            self.fail("does_not_exist", model=queryset.model._meta.verbose_name, pk_value=data)
        except (ValueError, TypeError, OverflowError):
            self.fail("incorrect_type", data_type=type(data).__name__)


@extend_schema_field(OpenApiTypes.STR)
class UsernameField(serializers.Field):
    """A user, given and shown by username."""

    default_error_messages = {
        "unknown": "no user is called '{username}'",
        "invalid": "Expected a username (string).",
    }

    def to_representation(self, value: Any) -> str:
        return value.username

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or not data.strip():
            self.fail("invalid")
        user = User.objects.filter(username=data.strip()).first()
        if user is None:
            self.fail("unknown", username=data)
        return user


class CoreSerializer(serializers.ModelSerializer):
    """Base of the resources: `Meta.create_only` fields are writable on create and read-only
    afterwards; uniqueness is left to the model so that its message (naming the rule) is the
    one the client sees."""

    serializer_related_field = VisibleRelatedField

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            for name in getattr(self.Meta, "create_only", ()):
                fields[name].read_only = True
                fields[name].required = False
        return fields


class VersionField(serializers.IntegerField):
    """The card's version: sent back on writes (or as If-Match) to detect concurrent edits."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault(
            "help_text",
            "The card's version (also sent as ETag). Send the version your edit is based on (or If-Match); "
            "a stale one answers 409 (412 for If-Match) and changes nothing; a change stating neither "
            "answers 428 (a blank or null version counts as none).",
        )
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        # A blank or null version states no version: the write then answers 428 like one without
        # it (the board's moves read it the same way), not 400.
        if data in ("", None):
            return True, None
        return super().validate_empty_values(data)


# --- trains, teams, people ------------------------------------------------------------------


class TrainSerializer(CoreSerializer):
    wip_limits = serializers.JSONField(
        required=False,
        help_text='WIP limit per ART Kanban column, e.g. {"in_progress": 8, "review": 4}: whole numbers '
        "from 1 to 1000 for funnel, analyzing, ready, in_progress, review, blocked or awaiting_deploy; "
        "null or absent for no limit. Replaced as a whole; the RTE sets it.",
    )
    kanban_policies = serializers.JSONField(
        required=False,
        help_text="Each column's policy (definition of done for entering it), up to 280 characters, "
        'e.g. {"review": "Code reviewed, tests green"}. Replaced as a whole; the RTE sets it.',
    )

    class Meta:
        model = ReleaseTrain
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "time_zone",
            "wip_limits",
            "kanban_policies",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"slug": {"required": False}}
        validators: list = []


class TeamSerializer(CoreSerializer):
    initials = serializers.CharField(read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "train",
            "name",
            "kind",
            "abbreviation",
            "initials",
            "description",
            "wip_limit",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        create_only = ["train"]
        validators: list = []


class MembershipSerializer(CoreSerializer):
    user = UsernameField(help_text="The user's username.")

    class Meta:
        model = Membership
        fields = ["id", "train", "user", "role", "team", "created_at"]
        read_only_fields = ["created_at"]
        create_only = ["train", "user"]
        validators: list = []


class TeamMemberSerializer(CoreSerializer):
    user = UsernameField(required=False, allow_null=True, help_text="Username of the person's login, if any.")
    # The 0-1 range is checked by the service, which names the rule.
    fte = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, help_text="Share of a full-time person, 0 to 1."
    )

    class Meta:
        model = TeamMember
        fields = ["id", "team", "name", "user", "role", "fte", "delivering"]
        create_only = ["team"]
        validators: list = []


class AbsenceSerializer(CoreSerializer):
    days = serializers.DecimalField(max_digits=4, decimal_places=1)

    class Meta:
        model = Absence
        fields = ["id", "member", "iteration", "days", "reason"]
        create_only = ["member", "iteration"]
        validators: list = []


# --- PIs ------------------------------------------------------------------------------------


class PISerializer(CoreSerializer):
    iterations = serializers.IntegerField(
        write_only=True,
        required=False,
        default=5,
        help_text="On create: how many iterations to generate (the last one IP).",
    )
    iteration_weeks = serializers.IntegerField(
        write_only=True, required=False, default=2, help_text="On create: the length of each iteration."
    )

    class Meta:
        model = ProgramIncrement
        fields = [
            "id",
            "train",
            "name",
            "start_date",
            "end_date",
            "state",
            "created_at",
            "iterations",
            "iteration_weeks",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {
            "end_date": {
                "required": False,
                "help_text": "Optional on create: defaults to the last iteration's end.",
            }
        }
        create_only = ["train", "iterations", "iteration_weeks"]
        validators: list = []


class IterationSerializer(CoreSerializer):
    workdays = serializers.IntegerField(read_only=True)

    class Meta:
        model = Iteration
        fields = ["id", "pi", "number", "name", "start_date", "end_date", "is_ip", "workdays"]
        extra_kwargs = {"number": {"required": False}, "name": {"required": False}}
        create_only = ["pi"]
        validators: list = []


class MilestoneSerializer(CoreSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "pi", "name", "date", "description"]
        create_only = ["pi"]
        validators: list = []


# --- features and stories -------------------------------------------------------------------


class FeatureSerializer(CoreSerializer):
    cost_of_delay = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="user_business_value + time_criticality + risk_reduction."
    )
    wsjf = serializers.FloatField(
        read_only=True, allow_null=True, help_text="cost_of_delay / job_size, full precision."
    )
    key = serializers.CharField(read_only=True)
    version = VersionField()
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="With a change of `state` into an ART Kanban column (or team lane) at its WIP limit: "
        "why it goes over the limit (recorded).",
    )

    class Meta:
        model = Feature
        fields = [
            "id",
            "train",
            "pi",
            "external_key",
            "key",
            "title",
            "description",
            "kind",
            "found_after_release",
            "state",
            "points",
            "team",
            "iteration",
            "iteration_is_explicit",
            "user_business_value",
            "time_criticality",
            "risk_reduction",
            "job_size",
            "cost_of_delay",
            "wsjf",
            "created_at",
            "updated_at",
            "version",
            "reason",
        ]
        read_only_fields = ["iteration_is_explicit", "updated_at"]
        extra_kwargs = {
            "created_at": {"required": False, "help_text": "Writable on create (imports); defaults to now."},
        }
        create_only = ["train", "created_at"]
        validators: list = []

    def validate_external_key(self, value: str | None) -> str | None:
        return (value or "").strip() or None


class EmptyAsNullChoiceField(serializers.ChoiceField):
    """A state that may be absent (the first transition has no previous state): null, not ""."""

    def to_representation(self, value: Any) -> Any:
        return value or None


class FeatureTransitionSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=Feature.State.choices, write_only=True)
    from_state = EmptyAsNullChoiceField(
        choices=Feature.State.choices, read_only=True, allow_null=True, help_text="null for the first state"
    )
    at = serializers.DateTimeField(
        required=False, help_text="When the change happened; defaults to now. Never before the previous one."
    )
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    version = VersionField(write_only=True)

    class Meta:
        model = FeatureTransition
        fields = ["id", "state", "from_state", "to_state", "at", "actor", "recorded_at", "reason", "version"]
        read_only_fields = ["to_state", "recorded_at"]
        extra_kwargs = {
            "reason": {
                "help_text": "Why a move into an ART Kanban column (or team lane) at its WIP limit goes "
                "over it: required then, recorded with the transition."
            }
        }


class StorySerializer(CoreSerializer):
    key = serializers.CharField(read_only=True)
    version = VersionField()

    class Meta:
        model = Story
        fields = [
            "id",
            "train",
            "feature",
            "team",
            "iteration",
            "external_key",
            "key",
            "title",
            "points",
            "state",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["train", "created_at", "updated_at"]
        validators: list = []

    def validate_external_key(self, value: str | None) -> str | None:
        return (value or "").strip() or None


# --- tokens ---------------------------------------------------------------------------------


class TokenFieldsMixin(serializers.Serializer):
    """name, scope and expires_at of a new token, checked by the tokens service's rules."""

    scope = serializers.ChoiceField(
        choices=ApiToken.Scope.choices,
        default=ApiToken.Scope.WRITE,
        error_messages={"invalid_choice": SCOPE_RULE},
        help_text='"write" (default) or "read": a read-only token may only GET; a write answers 403.',
    )
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When the token stops working (in the future); null: never. Left out: in "
        "RAILYARD_TOKEN_DEFAULT_DAYS days (90 unless set).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        api_token_check(
            name=attrs.get("name", SIGN_IN_NAME),
            scope=attrs.get("scope", ApiToken.Scope.WRITE),
            expires_at=attrs.get("expires_at"),
        )
        return attrs


class SignInSerializer(TokenFieldsMixin):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)
    name = serializers.CharField(
        default=SIGN_IN_NAME,
        max_length=200,
        error_messages={"blank": NAME_REQUIRED},
        help_text=f'The token\'s name (default "{SIGN_IN_NAME}"): signing in again with the same name '
        "rotates that token (new key, the old one stops working) instead of adding another.",
    )


class SignInTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='The key: send it as "Authorization: Token <key>". Shown once.')
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices)
    expires_at = serializers.DateTimeField(allow_null=True, help_text="null: never expires.")
    rotated = serializers.BooleanField(
        help_text="true: an existing token of this name got the new key (its old key no longer works)."
    )


class ApiTokenSerializer(TokenFieldsMixin, serializers.ModelSerializer):
    active = serializers.BooleanField(source="is_active", read_only=True, help_text="Not revoked.")
    expired = serializers.BooleanField(source="is_expired", read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "created_at",
            "expires_at",
            "rotated_at",
            "last_used_at",
            "revoked_at",
            "active",
            "expired",
        ]
        read_only_fields = ["prefix", "created_at", "rotated_at", "last_used_at", "revoked_at"]
        extra_kwargs = {"name": {"max_length": 200, "error_messages": {"blank": NAME_REQUIRED}}}


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.SerializerMethodField(help_text="The key, shown only in this answer.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]

    def get_key(self, token: ApiToken) -> str | None:
        return getattr(token, "key", None)
