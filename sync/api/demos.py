"""System demos and release notes in the API.

- `system-demos/`: one per development iteration. POST `{"iteration"}` prepares it (RTE;
  idempotent: 201 when made, 200 with the one that exists); PATCH summary and state (held sets
  held_at) with a version, like every versioned card. One demo answers with its items and
  feedback.
- `demo-items/`: the features shown. POST `{"demo", "feature"}` (RTE) shows one more; PATCH
  outcome and notes (business owners and the RTE), or position (RTE); DELETE (RTE).
- `demo-feedback/`: stakeholder feedback notes. POST (everyone but viewers); DELETE (the RTE or
  the note's author).
- `iterations/{id}/release-notes/` and `pis/{id}/release-notes/`: the features finished in the
  window grouped by kind, as JSON, or as Markdown with `?format=md` or `Accept: text/markdown`.
Same services, selectors and access policy as the pages.
"""

from __future__ import annotations

from typing import Any

import django_filters.rest_framework as filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import renderers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art.access import Action, object_for_user
from art.api.mixins import IdFilter, TrainScopedViewSet, VersionedCardMixin
from art.api.serializers import CoreSerializer, VersionField
from art.http import attachment_disposition
from art.models import Feature, Iteration, ProgramIncrement
from art.rules import releases
from pi_planning.api.common import HistoryMixin
from sync import services
from sync.models import DemoFeedback, DemoItem, SystemDemo
from sync.selectors.demos import demo_feedback, demo_items, demo_queryset, outcome_of, with_outcome
from sync.selectors.releases import ReleaseNotes, release_notes
from sync.services.demos import OUTCOME_REFUSAL, STATE_REFUSAL

# --- the features shown ------------------------------------------------------------------------


class DemoItemSerializer(CoreSerializer):
    """A feature shown at a system demo and whether it was accepted."""

    key = serializers.CharField(source="feature.key", read_only=True, help_text="The feature's key.")
    title = serializers.CharField(source="feature.title", read_only=True)
    team = serializers.CharField(
        source="feature.team.name",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Its team's name.",
    )
    position = serializers.IntegerField(
        required=False, min_value=0, help_text="Its place in the demo's order, 0 first (RTE)."
    )
    version = VersionField()

    class Meta:
        model = DemoItem
        fields = [
            "id",
            "demo",
            "feature",
            "key",
            "title",
            "team",
            "outcome",
            "notes",
            "position",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["created_at", "updated_at"]
        create_only = ["demo", "feature"]
        extra_kwargs = {
            "outcome": {
                "required": False,
                "error_messages": {"invalid_choice": OUTCOME_REFUSAL},
                "help_text": "pending (not decided), accepted or not_accepted: business owners and the RTE.",
            },
            "notes": {"required": False},
        }
        validators: list = []


class DemoItemFilter(filters.FilterSet):
    demo = IdFilter(field_name="demo_id")
    train = IdFilter(field_name="demo__train_id")

    class Meta:
        model = DemoItem
        fields = ["demo", "train", "outcome"]


class DemoItemViewSet(HistoryMixin, VersionedCardMixin, TrainScopedViewSet):
    """The features shown at system demos. The RTE adds, orders and removes them; business owners
    and the RTE decide whether each was accepted."""

    queryset = DemoItem.objects.all()
    serializer_class = DemoItemSerializer
    filterset_class = DemoItemFilter
    ordering_fields = ["id", "position"]
    write_action = Action.RUN_EVENTS
    parent_field = "demo"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def list_queryset(self) -> QuerySet[DemoItem]:
        return DemoItem.objects.select_related("demo", "feature", "feature__team").order_by(
            "demo_id", "position", "id"
        )

    def access_action(self) -> Action:
        # Deciding an item is for business owners too: the service asks the policy for exactly that.
        return Action.VIEW if self.action == "partial_update" else super().access_action()

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["demo"].train_id, []

    def create_object(self, data: dict[str, Any]) -> DemoItem:
        return services.demo_item_add(actor=self.request.user, demo=data["demo"], feature=data["feature"])

    def update_object(self, obj: DemoItem, data: dict[str, Any], version: int | None = None) -> DemoItem:
        position = data.pop("position", None)
        if data:
            obj = services.demo_item_update(actor=self.request.user, item=obj, version=version, **data)
            version = obj.version if version is not None else None
        if position is not None and position != obj.position:
            obj = services.demo_item_move(
                actor=self.request.user, item=obj, position=position, version=version
            )
        return obj

    def delete_object(self, obj: DemoItem) -> None:
        services.demo_item_remove(actor=self.request.user, item=obj)


# --- feedback ------------------------------------------------------------------------------------


class DemoFeedbackSerializer(CoreSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)  # type: ignore[var-annotated]

    class Meta:
        model = DemoFeedback
        fields = ["id", "demo", "feature", "stakeholder", "text", "created_by", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {
            "feature": {
                "required": False,
                "allow_null": True,
                "help_text": "One of the features shown; null: the whole increment.",
            },
            "stakeholder": {"required": False, "help_text": "Who said it."},
            "text": {
                "error_messages": {
                    "blank": services.demos.TEXT_REFUSAL,
                    "required": services.demos.TEXT_REFUSAL,
                }
            },
        }
        validators: list = []


class DemoFeedbackFilter(filters.FilterSet):
    demo = IdFilter(field_name="demo_id")
    train = IdFilter(field_name="demo__train_id")
    feature = IdFilter(field_name="feature_id")

    class Meta:
        model = DemoFeedback
        fields = ["demo", "train", "feature"]


class DemoFeedbackViewSet(TrainScopedViewSet):
    """Stakeholder feedback noted at system demos. Everyone but viewers notes it; the RTE or the
    note's author deletes it."""

    queryset = DemoFeedback.objects.all()
    serializer_class = DemoFeedbackSerializer
    filterset_class = DemoFeedbackFilter
    ordering_fields = ["id", "created_at"]
    write_action = Action.TAKE_PART
    parent_field = "demo"
    http_method_names = ["get", "post", "delete", "head", "options"]

    def list_queryset(self) -> QuerySet[DemoFeedback]:
        return DemoFeedback.objects.select_related("demo", "created_by").order_by("created_at", "id")

    def access_action(self) -> Action:
        # The RTE or the author: the service decides.
        return Action.VIEW if self.action == "destroy" else super().access_action()

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["demo"].train_id, []

    def create_object(self, data: dict[str, Any]) -> DemoFeedback:
        return services.demo_feedback_add(actor=self.request.user, **data)

    def delete_object(self, obj: DemoFeedback) -> None:
        services.demo_feedback_delete(actor=self.request.user, feedback=obj)


# --- the demo ------------------------------------------------------------------------------------


class OutcomeSerializer(serializers.Serializer):
    shown = serializers.IntegerField()
    accepted = serializers.IntegerField()
    not_accepted = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="Not decided yet.")


class SystemDemoSerializer(CoreSerializer):
    """The system demo of one development iteration."""

    pi = serializers.IntegerField(source="iteration.pi_id", read_only=True)
    outcome = serializers.SerializerMethodField(help_text="How its items were received.")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    version = VersionField()

    class Meta:
        model = SystemDemo
        fields = [
            "id",
            "train",
            "pi",
            "iteration",
            "state",
            "held_at",
            "summary",
            "outcome",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["train", "held_at", "created_at", "updated_at"]
        create_only = ["iteration"]
        extra_kwargs = {
            "state": {
                "required": False,
                "error_messages": {"invalid_choice": STATE_REFUSAL},
                "help_text": "planned, or held (held_at is set; planned again clears it). RTE.",
            },
            "summary": {"required": False},
            "iteration": {"help_text": "A development iteration (not the IP iteration).", "validators": []},
        }
        validators: list = []

    @extend_schema_field(OutcomeSerializer)
    def get_outcome(self, demo: SystemDemo) -> dict[str, int]:
        if hasattr(demo, "n_shown"):
            tally = outcome_of(demo)
        else:
            tally = releases.demo_outcome(demo.items.values_list("outcome", flat=True))
        return {
            "shown": tally.shown,
            "accepted": tally.accepted,
            "not_accepted": tally.not_accepted,
            "pending": tally.pending,
        }


class SystemDemoDetailSerializer(SystemDemoSerializer):
    """One demo with the features shown, in order, and the feedback noted."""

    items = serializers.SerializerMethodField()
    feedback = serializers.SerializerMethodField()

    class Meta(SystemDemoSerializer.Meta):
        fields = [*SystemDemoSerializer.Meta.fields, "items", "feedback"]

    @extend_schema_field(DemoItemSerializer(many=True))
    def get_items(self, demo: SystemDemo) -> list[dict[str, Any]]:
        rows = demo_items(demo)
        return list(DemoItemSerializer(rows, many=True, context=self.context).data)

    @extend_schema_field(DemoFeedbackSerializer(many=True))
    def get_feedback(self, demo: SystemDemo) -> list[dict[str, Any]]:
        rows = demo_feedback(demo)
        return list(DemoFeedbackSerializer(rows, many=True, context=self.context).data)


class SystemDemoFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    pi = IdFilter(field_name="iteration__pi_id")
    iteration = IdFilter(field_name="iteration_id")

    class Meta:
        model = SystemDemo
        fields = ["train", "pi", "iteration", "state"]


class SystemDemoViewSet(HistoryMixin, VersionedCardMixin, TrainScopedViewSet):
    """The system demo of each development iteration: prepared and run by the RTE, read by
    everyone in the train."""

    queryset = SystemDemo.objects.all()
    serializer_class = SystemDemoSerializer
    filterset_class = SystemDemoFilter
    ordering_fields = ["id", "held_at", "created_at"]
    write_action = Action.RUN_EVENTS
    parent_field = "iteration"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return SystemDemoSerializer if self.action == "list" else SystemDemoDetailSerializer

    def list_queryset(self) -> QuerySet[SystemDemo]:
        return with_outcome(demo_queryset()).order_by("iteration__start_date", "id")

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["iteration"].pi.train_id, []

    @extend_schema(
        summary="Prepare the system demo of an iteration (RTE)",
        description="Idempotent: 201 with the demo made (its items are the features finished in the "
        "iteration), 200 with the one that exists. 400 for the IP iteration.",
        request=SystemDemoSerializer,
        responses={201: SystemDemoDetailSerializer, 200: SystemDemoDetailSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        self._check_create_early(serializer)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        unexpected = sorted(set(data) - {"iteration"})
        if unexpected:
            raise serializers.ValidationError(
                {name: [f"{name} is set after the demo is prepared (PATCH)"] for name in unexpected}
            )
        self.check_create(data)
        demo, created = services.system_demo_prepare(actor=request.user, iteration=data["iteration"])
        body = SystemDemoDetailSerializer(demo, context=self.get_serializer_context()).data
        response = Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
        response["ETag"] = f'"{demo.version}"'
        return response

    def update_object(self, obj: SystemDemo, data: dict[str, Any], version: int | None = None) -> SystemDemo:
        return services.system_demo_update(actor=self.request.user, demo=obj, version=version, **data)


# --- release notes -------------------------------------------------------------------------------


class MarkdownRenderer(renderers.BaseRenderer):
    """Release notes as a Markdown document (the answer of `?format=md` or `Accept: text/markdown`)."""

    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        notes = (renderer_context or {}).get("notes")
        if isinstance(notes, ReleaseNotes):
            return notes.markdown().encode("utf-8")
        return renderers.JSONRenderer().render(data)


class ReleaseFeatureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField(help_text="The external key, else F-<id>.")
    title = serializers.CharField()
    team = serializers.CharField(allow_null=True, help_text="The owning team's name.")
    points = serializers.IntegerField(allow_null=True)
    done_at = serializers.DateTimeField(help_text="When it was finished (its last entry into done).")


class ReleaseGroupSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Feature.Kind.choices)
    features = ReleaseFeatureSerializer(many=True)


class ReleaseNotesSerializer(serializers.Serializer):
    train = serializers.IntegerField()
    pi = serializers.IntegerField()
    iteration = serializers.IntegerField(allow_null=True)
    start = serializers.DateField(help_text="The window's first local day.")
    end = serializers.DateField(help_text="The window's last local day (included).")
    groups = ReleaseGroupSerializer(
        many=True, help_text="business, enabler, defect, in that order; empty ones left out."
    )
    count = serializers.IntegerField()


MARKDOWN = OpenApiParameter(
    "format",
    str,
    enum=["json", "md"],
    description="md: the release notes as a Markdown download (also `Accept: text/markdown`).",
)


class _ReleaseNotesView(APIView):
    renderer_classes = [renderers.JSONRenderer, MarkdownRenderer]

    def handle_exception(self, exc: Exception) -> Response:
        # Errors answer JSON always, whatever the format asked for.
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    def answer(self, request: Request, notes: ReleaseNotes) -> Response:
        if getattr(request.accepted_renderer, "format", "") == "md":
            response = Response(notes.as_json())
            response["Content-Disposition"] = attachment_disposition(notes.filename)
            return response
        return Response(ReleaseNotesSerializer(notes.as_json()).data)

    def get_renderer_context(self) -> dict[str, Any]:
        context = super().get_renderer_context()
        context["notes"] = getattr(self, "notes", None)
        return context


class IterationReleaseNotesView(_ReleaseNotesView):
    @extend_schema(
        operation_id="iterations_release_notes",
        summary="Release notes of an iteration",
        description="The features finished in the iteration (done_at on one of its local days), grouped "
        "by kind.",
        parameters=[MARKDOWN],
        responses={
            200: ReleaseNotesSerializer,
            404: OpenApiResponse(description="No such iteration (or not one of the caller's trains)."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        iteration = object_for_user(
            request.user, Iteration.objects.select_related("pi__train"), pk, Action.VIEW
        )
        self.notes = release_notes(pi=iteration.pi, iteration=iteration)
        return self.answer(request, self.notes)


class PIReleaseNotesView(_ReleaseNotesView):
    @extend_schema(
        operation_id="pis_release_notes",
        summary="Release notes of a PI",
        description="The features finished in the PI (done_at on one of its local days), grouped by kind.",
        parameters=[MARKDOWN],
        responses={
            200: ReleaseNotesSerializer,
            404: OpenApiResponse(description="No such PI (or not one of the caller's trains)."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        pi = object_for_user(request.user, ProgramIncrement.objects.select_related("train"), pk, Action.VIEW)
        self.notes = release_notes(pi=pi)
        return self.answer(request, self.notes)
