from django.apps import AppConfig


class PiPlanningConfig(AppConfig):
    name = "pi_planning"
    verbose_name = "PI planning"
