from django.apps import AppConfig


class AuthorizationsConfig(AppConfig):
    name = "secondop.authorizations"
    label = "authorizations"
