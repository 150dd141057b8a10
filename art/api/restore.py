"""`history/{id}/restore/`: the RTE brings back what a deletion took (art.services.restore)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art.access import Action, can_see, check
from art.api.mixins import refuse_unwritable
from art.models import ChangeRecord
from art.services.restore import record_restore


class RestoreSerializer(serializers.Serializer):
    cascade = serializers.BooleanField(
        default=True,
        help_text="Restore what was deleted with it too (all or nothing); false: the card alone.",
    )


class RestoreView(APIView):
    """POST: restore the card a deletion (this history entry) took, with its id, and what was
    deleted with it unless `{"cascade": false}` (RTE)."""

    @extend_schema(
        request=RestoreSerializer,
        responses={
            201: inline_serializer(
                "Restored",
                {
                    "model": serializers.CharField(),
                    "id": serializers.IntegerField(),
                    "restored_with": inline_serializer(
                        "RestoredWith",
                        {"model": serializers.CharField(), "id": serializers.IntegerField()},
                        many=True,
                    ),
                },
            ),
            400: OpenApiResponse(
                description="Not a deletion, already back, or what it (or what went with it) "
                "belonged to is gone: nothing was restored."
            ),
        },
        summary="Restore what a deletion took",
    )
    def post(self, request: Request, pk: int) -> Response:
        record = ChangeRecord.objects.filter(pk=pk).select_related("content_type").first()
        if record is None or not can_see(request.user, record.train_id):
            raise Http404("No such history entry")
        check(request.user, Action.MANAGE_TRAIN, record.train_id)
        body = RestoreSerializer(data=request.data if isinstance(request.data, dict) else {})
        refuse_unwritable(body, request.data)
        body.is_valid(raise_exception=True)
        obj, *cascade = record_restore(
            actor=request.user, record=record, cascade=body.validated_data["cascade"]
        )
        return Response(
            {
                "model": obj._meta.label_lower,
                "id": obj.pk,
                "restored_with": [{"model": o._meta.label_lower, "id": o.pk} for o in cascade],
            },
            status=status.HTTP_201_CREATED,
        )
