"""REST API of the metrics (docs/api.md, "Computed views"): thin views. A serializer parses
the query, art.access decides (404 for a train the caller is not in, 403 for what their role
may not do), a selector reads, the rules of art/rules/ compute, a serializer renders."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art import rules
from art.access import Action, object_for_user, train_for_user
from art.api.conditional import IF_NONE_MATCH, NOT_MODIFIED, ConditionalGetMixin
from art.models import ProgramIncrement, ReleaseTrain
from metrics import selectors, services
from metrics.models import RecomputeRun

from . import serializers as s

ERRORS = {
    400: OpenApiResponse(description='Bad query: `{"field": ["message naming the rule"]}`.'),
    401: OpenApiResponse(description="No credentials."),
    404: OpenApiResponse(description="No such train (or not one of the caller's trains)."),
}
TRAIN = OpenApiParameter("train", OpenApiTypes.INT, required=True, description="Id of the train.")


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _train(request: Request, train_id: int, action: Action = Action.VIEW) -> ReleaseTrain:
    return train_for_user(request.user, train_id, action)


class PredictabilityView(ConditionalGetMixin, APIView):
    """ART predictability per PI: the train's and each team's planned and actual business
    value, and the percentage (null for n/a and not scored)."""

    @extend_schema(
        operation_id="metrics_predictability",
        summary="Predictability per PI, for the train and each team",
        parameters=[
            OpenApiParameter("train", OpenApiTypes.INT, description="Every PI of this train, oldest first."),
            OpenApiParameter("pi", OpenApiTypes.INT, description="This PI only."),
            IF_NONE_MATCH,
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="Predictability",
                serializers=[s.TrainPredictabilitySerializer, s.PIPredictabilitySerializer],
                resource_type_field_name=None,
            ),
            **NOT_MODIFIED,
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        query = _query(s.PredictabilityQuerySerializer, request)
        if "pi" in query:
            pi = object_for_user(request.user, ProgramIncrement.objects.all(), query["pi"], Action.VIEW)
            data = s.predictability_data(selectors.predictability_for_pi(pi=pi))
            return Response(s.PIPredictabilitySerializer(data).data)
        train = _train(request, query["train"])
        pis = [s.predictability_data(item) for item in selectors.predictability_for_train(train=train)]
        return Response(s.TrainPredictabilitySerializer({"train": train.pk, "pis": pis}).data)


class FlowView(ConditionalGetMixin, APIView):
    """Flow figures of a window of local dates [start, end) in the train's time zone."""

    @extend_schema(
        operation_id="metrics_flow",
        summary="Flow velocity, times, efficiency, distribution and load of a window",
        parameters=[
            TRAIN,
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="First day, included."),
            OpenApiParameter(
                "end", OpenApiTypes.DATE, required=True, description="Day after the last, excluded."
            ),
            IF_NONE_MATCH,
        ],
        responses={200: s.FlowSerializer, **NOT_MODIFIED, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = _query(s.FlowQuerySerializer, request)
        train = _train(request, query["train"])
        report = selectors.train_flow(train=train, start=query["start"], end=query["end"])
        return Response(s.FlowSerializer(s.flow_data(train.pk, query["start"], query["end"], report)).data)


class ForecastView(ConditionalGetMixin, APIView):
    """Monte Carlo forecast from the train's daily throughput of the last 90 full days."""

    @extend_schema(
        operation_id="metrics_forecast",
        summary="When will K items be done, or how many in D days (50/85/95 %)",
        parameters=[
            TRAIN,
            OpenApiParameter("items", OpenApiTypes.INT, description="When will this many items be done?"),
            OpenApiParameter("days", OpenApiTypes.INT, description="How many items in this many days?"),
            OpenApiParameter("seed", OpenApiTypes.INT, description="Makes the answer repeatable."),
            IF_NONE_MATCH,
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="Forecast",
                serializers=[s.DaysForecastSerializer, s.ItemsForecastSerializer],
                resource_type_field_name=None,
            ),
            **NOT_MODIFIED,
            400: OpenApiResponse(
                description="Bad query, or a history that cannot support a forecast.",
                examples=[
                    OpenApiExample(
                        "history too short",
                        value={
                            "non_field_errors": [
                                "A forecast needs at least 10 days of throughput history; there are 4."
                            ]
                        },
                    )
                ],
            ),
            401: ERRORS[401],
            404: ERRORS[404],
        },
    )
    def get(self, request: Request) -> Response:
        query = _query(s.ForecastQuerySerializer, request)
        train = _train(request, query["train"])
        history = selectors.throughput_history(train=train)
        seed = query.get("seed")
        try:
            if "items" in query:
                forecast = rules.forecast.forecast_days_for_items(history.counts, query["items"], seed=seed)
                data = s.days_forecast_data(train.pk, forecast, history, seed)
                return Response(s.DaysForecastSerializer(data).data)
            result = rules.forecast.forecast_items_in_days(history.counts, query["days"], seed=seed)
        except rules.forecast.ForecastError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]})
        data = s.items_forecast_data(train.pk, result, history, seed)
        return Response(s.ItemsForecastSerializer(data).data)


class DependencyAgeView(ConditionalGetMixin, APIView):
    """Age of the train's dependencies in whole days: open ones older than 14 days are aging."""

    @extend_schema(
        operation_id="metrics_dependency_age",
        summary="Dependency age: open and resolved counts, mean and max age, aging count",
        parameters=[
            TRAIN,
            OpenApiParameter("pi", OpenApiTypes.INT, description="Only this PI's."),
            IF_NONE_MATCH,
        ],
        responses={200: s.DependencyAgeSerializer, **NOT_MODIFIED, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = _query(s.DependencyAgeQuerySerializer, request)
        train = _train(request, query["train"])
        pi = None
        if "pi" in query:
            pi = ProgramIncrement.objects.filter(train=train, pk=query["pi"]).first()
            if pi is None:
                raise ValidationError({"pi": [f"PI {query['pi']} is not a PI of train {train.pk}"]})
        summary = selectors.dependency_age(train=train, pi=pi)
        return Response(
            s.DependencyAgeSerializer(s.dependency_age_data(train.pk, query.get("pi"), summary)).data
        )


class RecomputeView(APIView):
    """Recompute a train's snapshots now (RTE only). The work runs outside the request (Celery's
    worker, or a thread of this process on the embedded default): answers 202 at once with the
    run, whose progress `GET metrics/recompute/{id}/` reports (its `url`, also the `Location`
    header); a recompute already under way is answered instead of queuing another."""

    @extend_schema(
        operation_id="metrics_recompute",
        summary="Recompute the train's metric snapshots now (RTE)",
        request=s.RecomputeRequestSerializer,
        responses={
            202: s.RecomputeRunSerializer,
            400: ERRORS[400],
            401: ERRORS[401],
            403: OpenApiResponse(description="Only the train's RTE may recompute."),
            404: ERRORS[404],
        },
    )
    def post(self, request: Request) -> Response:
        serializer = s.RecomputeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        train = _train(request, serializer.validated_data["train"], Action.RUN_EVENTS)
        run, _ = services.recompute_request(
            actor=request.user, train=train, since=serializer.validated_data.get("since")
        )
        run.refresh_from_db()
        data = s.RecomputeRunSerializer(run, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


class RecomputeRunView(ConditionalGetMixin, APIView):
    """One recompute run: queued, running with progress %, done or failed."""

    @extend_schema(
        operation_id="metrics_recompute_run",
        summary="State and progress of a recompute",
        parameters=[IF_NONE_MATCH],
        responses={200: s.RecomputeRunSerializer, **NOT_MODIFIED, 401: ERRORS[401], 404: ERRORS[404]},
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = object_for_user(request.user, RecomputeRun.objects.all(), run_id, Action.VIEW)
        return Response(s.RecomputeRunSerializer(run, context={"request": request}).data)
