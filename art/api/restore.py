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


class RestoreView(APIView):
    """POST: restore the card a deletion (this history entry) took, with its id (RTE)."""

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "Restored", {"model": serializers.CharField(), "id": serializers.IntegerField()}
            ),
            400: OpenApiResponse(description="Not a deletion, already back, or what it belonged to is gone."),
        },
        summary="Restore what a deletion took",
    )
    def post(self, request: Request, pk: int) -> Response:
        record = ChangeRecord.objects.filter(pk=pk).select_related("content_type").first()
        if record is None or not can_see(request.user, record.train_id):
            raise Http404("No such history entry")
        check(request.user, Action.MANAGE_TRAIN, record.train_id)
        refuse_unwritable(None, request.data)
        obj = record_restore(actor=request.user, record=record)
        return Response({"model": obj._meta.label_lower, "id": obj.pk}, status=status.HTTP_201_CREATED)
