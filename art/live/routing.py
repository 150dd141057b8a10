"""Socket routes (the ASGI application in art/asgi.py serves them beside the pages)."""

from django.urls import path

from art.live.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/trains/<int:train_id>/live/", LiveConsumer.as_asgi()),
]
