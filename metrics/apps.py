from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from art.access import register_train_path
        from art.context_processors import NavItem, register_train_nav
        from metrics import receivers  # noqa: F401  (imported history: recompute the train)

        register_train_path("metrics.metricsnapshot", "train")
        register_train_path("metrics.recomputerun", "train")
        register_train_path("metrics.finishedfeature", "feature__train")
        register_train_nav(
            NavItem(
                "Metrics",
                "chart",
                "metrics:dashboard",
                also_active=("metrics:forecast", "metrics:definitions"),
            )
        )
