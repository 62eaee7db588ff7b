from django.apps import AppConfig


class OpinionsConfig(AppConfig):
    name = "secondop.opinions"
    label = "opinions"
