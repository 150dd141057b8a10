from django.apps import AppConfig


class ArtConfig(AppConfig):
    name = "art"
    verbose_name = "Release train"

    def ready(self) -> None:
        from art import (
            receivers,  # noqa: F401  (a password change revokes the user's tokens)
            webhooks,
        )
        from art.api.serializers import FeatureSerializer
        from art.models import Feature

        def feature_event(record) -> str:  # type: ignore[no-untyped-def]
            moved = record.action == "updated" and "state" in (record.changes or {})
            return "feature.moved" if moved else "feature.changed"

        webhooks.register_source(
            "art.feature",
            feature_event,
            webhooks.serialized(
                lambda: Feature.objects.select_related("team", "iteration", "pi"), FeatureSerializer
            ),
        )
