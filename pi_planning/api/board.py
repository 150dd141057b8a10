"""`pis/{id}/board/`: the planning board as data (teams, iterations, placed features and
stories, milestones, dependencies with health, the baseline and changes since), and
`pis/{id}/board/moves/`: a card's move on the board, by the same service as the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from art.api.conditional import IF_NONE_MATCH, NOT_MODIFIED, ConditionalGetMixin
from art.api.mixins import VERSION_REQUIRED, PreconditionRequired, etag, if_match_versions, refuse_unwritable
from art.api.serializers import FeatureSerializer, StorySerializer
from art.errors import ConflictError, PreconditionFailed
from art.models import Feature, Iteration, Team
from pi_planning import services as planning
from pi_planning.api.capacity import CapacityCellSerializer, capacity_data
from pi_planning.api.common import BASIS, ERRORS, basis_param, pi_for_request
from pi_planning.selectors.board import BoardData, pi_board_data
from pi_planning.selectors.board_changes import board_card
from pi_planning.selectors.capacity import BASES
from pi_planning.services.board import board_access_refusal


class BoardPISerializer(serializers.Serializer):
    id = serializers.IntegerField()
    train = serializers.IntegerField(source="train_id")
    name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    state = serializers.CharField()


class BoardTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    initials = serializers.CharField()


class BoardIterationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    is_ip = serializers.BooleanField()
    workdays = serializers.IntegerField()


class BoardMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    date = serializers.DateField()
    iteration = serializers.IntegerField(allow_null=True)


class BoardFeatureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.CharField()
    points = serializers.IntegerField(allow_null=True)
    team = serializers.IntegerField(source="team_id", allow_null=True)
    iteration = serializers.IntegerField(
        source="iteration_id", allow_null=True, help_text="Delivery iteration."
    )
    iteration_is_explicit = serializers.BooleanField()
    wsjf = serializers.FloatField(allow_null=True)
    cost_of_delay = serializers.IntegerField(allow_null=True)
    rank = serializers.IntegerField(help_text="Position in the WSJF order (1 is first).")
    dependencies = serializers.IntegerField(
        source="deps.count", help_text="Open dependencies it takes part in."
    )
    dependency_health = serializers.CharField(
        source="deps.worst", allow_null=True, help_text="The worst health among them: red, amber or green."
    )
    change = serializers.CharField(allow_null=True, help_text="Since the baseline: moved, added, or null.")
    version = serializers.IntegerField()


class BoardStorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    points = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()
    team = serializers.IntegerField(source="team_id")
    iteration = serializers.IntegerField(source="iteration_id", allow_null=True)
    feature = serializers.IntegerField(source="feature_id", allow_null=True)
    late_for = serializers.ListField(
        child=serializers.CharField(), help_text="Dependencies it makes a hidden conflict of (their keys)."
    )
    change = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()


class BoardDependencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    requester_team = serializers.IntegerField(source="requester_team_id")
    provider_team = serializers.IntegerField(source="provider_team_id", allow_null=True)
    external_provider = serializers.CharField()
    feature = serializers.IntegerField(source="feature_id", allow_null=True)
    provider_feature = serializers.IntegerField(source="provider_feature_id", allow_null=True)
    needed_by = serializers.IntegerField(source="needed_by_id")
    committed_iteration = serializers.IntegerField(source="committed_iteration_id", allow_null=True)
    state = serializers.CharField()
    health = serializers.CharField(source="health.code", help_text="green, amber, red or done.")
    health_reason = serializers.CharField(source="health.reason")
    hidden_conflict = serializers.BooleanField(source="health.hidden_conflict")
    age_days = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()


class BoardBaselineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    committed_at = serializers.DateTimeField()
    note = serializers.CharField()


class BoardChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["feature", "story"])
    id = serializers.IntegerField()
    change = serializers.ChoiceField(choices=["moved", "added", "removed"])


class BoardSerializer(serializers.Serializer):
    pi = BoardPISerializer()
    basis = serializers.ChoiceField(choices=list(BASES))
    teams = BoardTeamSerializer(many=True)
    iterations = BoardIterationSerializer(many=True)
    milestones = BoardMilestoneSerializer(many=True)
    features = BoardFeatureSerializer(many=True, help_text="The PI's features, in WSJF order.")
    stories = BoardStorySerializer(many=True, help_text="Stories placed in the PI, or under its features.")
    dependencies = BoardDependencySerializer(many=True)
    capacity = CapacityCellSerializer(many=True)
    baseline = BoardBaselineSerializer(allow_null=True)
    changes = BoardChangeSerializer(many=True, help_text="Since the baseline.")


def board_data(board: BoardData) -> dict[str, Any]:
    milestones = []
    for cell in board.milestone_cells:
        milestones += [
            {"id": m.pk, "name": m.name, "date": m.date, "iteration": cell.iteration.pk}
            for m in cell.milestones
        ]
    return {
        "pi": board.pi,
        "basis": board.basis,
        "teams": board.teams,
        "iterations": board.iterations,
        "milestones": milestones,
        "features": board.features,
        "stories": board.stories,
        "dependencies": board.dependencies,
        "capacity": [capacity_data(cell) for cell in board.capacity_cells],
        "baseline": board.baseline,
        "changes": [{"kind": c.kind, "id": c.id, "change": c.change} for c in board.changes],
    }


#: One field instance writes every date-time (in the current time zone, as DRF does).
_DATE_TIME = serializers.DateTimeField()


def date_time_writer() -> Callable[[Any], Any]:
    """_DATE_TIME.to_representation with the current time zone read once (DRF reads it for
    every value, through a context-local lookup; a board writes hundreds): an aware date-time
    in that zone in ISO 8601, "+00:00" written "Z", as DRF writes it. Anything else (another
    output format, naive values) is left to DRF."""
    output = api_settings.DATETIME_FORMAT
    if not settings.USE_TZ or output is None or output.lower() != ISO_8601:
        return _DATE_TIME.to_representation
    zone = timezone.get_current_timezone()

    def write(value: Any) -> Any:
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            return _DATE_TIME.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def feature_representation(feature: Any) -> dict[str, Any]:
    """BoardFeatureSerializer(feature).data, written directly: the board API lists hundreds of
    cards and DRF's field machinery was most of its time (tests/pi_planning/test_board_api.py
    checks both give the same)."""
    deps = feature.deps
    return {
        "id": feature.pk,
        "key": feature.key,
        "title": str(feature.title),
        "kind": str(feature.kind),
        "state": str(feature.state),
        "points": _int(feature.points),
        "team": feature.team_id,
        "iteration": feature.iteration_id,
        "iteration_is_explicit": bool(feature.iteration_is_explicit),
        "wsjf": None if feature.wsjf is None else float(feature.wsjf),
        "cost_of_delay": _int(feature.cost_of_delay),
        "rank": int(feature.rank),
        "dependencies": int(deps.count),
        "dependency_health": _str(deps.worst),
        "change": _str(feature.change),
        "version": int(feature.version),
    }


def story_representation(story: Any) -> dict[str, Any]:
    """BoardStorySerializer(story).data, written directly (see feature_representation)."""
    return {
        "id": story.pk,
        "key": story.key,
        "title": str(story.title),
        "points": _int(story.points),
        "state": str(story.state),
        "team": story.team_id,
        "iteration": story.iteration_id,
        "feature": story.feature_id,
        "late_for": [str(key) for key in story.late_for],
        "change": _str(story.change),
        "version": int(story.version),
    }


def dependency_representation(dep: Any, date_time: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """BoardDependencySerializer(dep).data, written directly (see feature_representation);
    `date_time` writes the date-times (date_time_writer(), made once per answer)."""
    date_time = date_time or date_time_writer()
    return {
        "id": dep.pk,
        "key": dep.key,
        "title": str(dep.title),
        "requester_team": dep.requester_team_id,
        "provider_team": dep.provider_team_id,
        "external_provider": str(dep.external_provider),
        "feature": dep.feature_id,
        "provider_feature": dep.provider_feature_id,
        "needed_by": dep.needed_by_id,
        "committed_iteration": dep.committed_iteration_id,
        "state": str(dep.state),
        "health": str(dep.health.code),
        "health_reason": str(dep.health.reason),
        "hidden_conflict": bool(dep.health.hidden_conflict),
        "age_days": int(dep.age_days),
        "created_at": date_time(dep.created_at),
        "resolved_at": None if dep.resolved_at is None else date_time(dep.resolved_at),
        "version": int(dep.version),
    }


#: The board's long lists, written directly; BoardSerializer writes the rest (and documents all).
_LISTS = {
    "features": feature_representation,
    "stories": story_representation,
    # capacity_data writes each cell as CapacityCellSerializer does (floats, ids and words).
    "capacity": dict,
}


def board_representation(board: BoardData) -> dict[str, Any]:
    """BoardSerializer(board_data(board)).data, with the cards and dependencies written by
    feature_representation, story_representation and dependency_representation."""
    data = board_data(board)
    written = {*_LISTS, "dependencies"}
    out = BoardSerializer({**data, **{name: [] for name in written}}).data
    for name, write in _LISTS.items():
        out[name] = [write(item) for item in data[name]]
    date_time = date_time_writer()
    out["dependencies"] = [dependency_representation(d, date_time) for d in data["dependencies"]]
    return out


def shared_representation(board: BoardData) -> dict[str, Any]:
    """board_representation(board), worked out once per board and time zone (the date-times
    are written in it): a remembered board (pi_board_data) answers every client with the same
    data until the train changes. Read only, as the board is."""
    key = ("api", timezone.get_current_timezone_name())
    found = board.derived.get(key)
    if found is None:
        found = board.derived[key] = board_representation(board)
    return cast("dict[str, Any]", found)


class BoardView(ConditionalGetMixin, APIView):
    """The planning board as data: teams, iterations, milestones, the PI's features and
    stories where they are placed, dependencies with their health, capacity and load per team
    and iteration, and the changes since the committed baseline."""

    @extend_schema(
        operation_id="pis_board",
        summary="The planning board of a PI",
        parameters=[BASIS, IF_NONE_MATCH],
        responses={
            200: BoardSerializer,
            **NOT_MODIFIED,
            400: OpenApiResponse(description="Unknown basis."),
            **ERRORS,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        pi = pi_for_request(request, pk)
        board = pi_board_data(pi=pi, basis=basis_param(request))
        return Response(shared_representation(board))


#: What a board move moves (the schema's CardKindEnum).
CARD_KINDS = [("feature", "Feature"), ("story", "Story")]


class MoveVersionField(serializers.IntegerField):
    """The version a move is based on; blank ("" or null, as a board whose card carries no
    version would send it) states none, like leaving it out: 428 unless If-Match is sent."""

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None or (isinstance(data, str) and not data.strip()):
            return True, None
        return super().validate_empty_values(data)


class BoardMoveSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CARD_KINDS, help_text="What is moved.")
    card = serializers.IntegerField(min_value=1, help_text="The feature's or story's id.")
    team = serializers.IntegerField(min_value=1, help_text="The team it goes to (a team of the train).")
    iteration = serializers.IntegerField(
        min_value=1, allow_null=True, help_text="The iteration of this PI it goes to; null: not planned."
    )
    version = MoveVersionField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="The card's version the move is based on (or send If-Match); a stale one answers "
        "409 (412 for If-Match), neither answers 428, and nothing moves.",
    )
    move_stories = serializers.BooleanField(
        default=False,
        help_text="A feature only: its unfinished stories of the team it leaves move to `team` with "
        "it (finished stories never move). Default false: the feature moves alone.",
    )
    pull_in_stories = serializers.BooleanField(
        default=False,
        help_text="A feature only: its unfinished stories placed after the new delivery iteration "
        "are pulled in to it. Default false.",
    )
    story_versions = serializers.DictField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=True,
        help_text='The versions of the feature\'s stories the move is based on, {"<story id>": version}: '
        "a stale one answers 409, a story to carry that is not listed 400, and nothing moves. Without it "
        "the stories move as they are now (like a bulk write).",
    )

    def validate_story_versions(self, value: dict[str, int]) -> dict[int, int]:
        out = {}
        for key, version in value.items():
            if not str(key).isdigit():
                raise serializers.ValidationError(f"story_versions keys must be story ids, not {key!r}")
            out[int(key)] = version
        return out

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        carries = attrs.get("move_stories") or attrs.get("pull_in_stories") or "story_versions" in attrs
        if carries and attrs["kind"] != "feature":
            raise serializers.ValidationError(
                {"move_stories": ["move_stories, pull_in_stories, story_versions: for a feature's move"]}
            )
        return attrs


@extend_schema_field(OpenApiTypes.OBJECT)
class MovedCardField(serializers.JSONField):
    """The moved card as `features/{id}/` or `stories/{id}/` shows it."""


class BoardMoveResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CARD_KINDS)
    card = MovedCardField()
    stories = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The ids of the stories the feature's move carried (move_stories, pull_in_stories).",
    )


class BoardMoveView(APIView):
    """A card's move on the planning board, exactly as the board page moves it
    (pi_planning.services.board.board_card_move): the same access rules (features by product
    management and the RTE; a story by its team, into another team's row only with that team
    too), the same board rules (only cards of this PI's board, nothing of a closed PI), the same
    version check. A feature's move may carry its stories (move_stories, pull_in_stories): one
    change, all or nothing, refused wholesale when the caller may not move one of them.
    Conflicts the move creates (an overloaded iteration, a late dependency) are not refused: the
    board shows them."""

    @extend_schema(
        operation_id="pis_board_moves",
        summary="Move a card on the planning board",
        request=BoardMoveSerializer,
        responses={
            200: BoardMoveResultSerializer,
            400: OpenApiResponse(
                description="Not a card of this board, its PI is closed, or a bad team "
                "or iteration: the rule is named."
            ),
            403: OpenApiResponse(description="Not the caller's card to move."),
            409: OpenApiResponse(description="Stale version in the body: the current card is returned."),
            412: OpenApiResponse(description="Stale If-Match."),
            428: OpenApiResponse(
                description="Neither version nor If-Match: the move must say which version of the "
                "card it is based on; nothing moves."
            ),
            **ERRORS,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        pi = pi_for_request(request, pk)
        body = BoardMoveSerializer(data=request.data)
        refuse_unwritable(body, request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        card = board_card(pi=pi, kind=data["kind"], card_id=data["card"])
        team = Team.objects.filter(train_id=pi.train_id, pk=data["team"]).first()
        if team is None:
            raise serializers.ValidationError({"team": ["team must be one of this train's teams"]})
        iteration = None
        if data["iteration"] is not None:
            iteration = Iteration.objects.filter(pi=pi, pk=data["iteration"]).first()
            if iteration is None:
                raise serializers.ValidationError(
                    {"iteration": [f"iteration must be one of {pi.name}'s iterations"]}
                )
        version = data.get("version")
        wanted = if_match_versions(request)
        if wanted is None and version is None:
            # A move that states no version could silently undo someone else's move: refused
            # (after "not yours to move", as the other writes check access first).
            refusal = board_access_refusal(actor=request.user, pi=pi, card=card, team=team)
            if refusal:
                raise PermissionDenied(refusal)
            raise PreconditionRequired(VERSION_REQUIRED.format(version=card.version))
        if isinstance(wanted, list):
            if card.version not in wanted:
                raise PreconditionFailed(card, wanted[0])
            version = card.version
        try:
            moved = planning.board_card_move(
                actor=request.user,
                pi=pi,
                card=card,
                team=team,
                iteration=iteration,
                version=version,
                move_stories=data["move_stories"],
                pull_in_stories=data["pull_in_stories"],
                story_versions=data.get("story_versions"),
            )
        except ConflictError as exc:
            if isinstance(wanted, list):
                raise PreconditionFailed(exc.current, exc.expected_version, exc.changes)
            raise
        serializer = FeatureSerializer if isinstance(moved, Feature) else StorySerializer
        fresh = type(moved).objects.get(pk=moved.pk)
        carried = getattr(moved, "carried_stories", [])
        response = Response(
            {
                "kind": data["kind"],
                "card": serializer(fresh, context={"request": request}).data,
                "stories": [s.pk for s in carried],
            }
        )
        response["ETag"] = etag(fresh.version)
        return response
