from django.apps import AppConfig


class ScriptsConfig(AppConfig):
    name = "secondop.scripts"
    label = "scripts"
