from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from art.access import register_train_path

        register_train_path("metrics.metricsnapshot", "train")
        register_train_path("metrics.recomputerun", "train")
