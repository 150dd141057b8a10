from django.apps import AppConfig


class ArtConfig(AppConfig):
    name = "art"
    verbose_name = "Release train"

    def ready(self) -> None:
        from art import receivers  # noqa: F401  (a password change revokes the user's tokens)
