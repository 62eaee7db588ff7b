from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {"PWA_APP_THEME_COLOR": settings.PWA_APP_THEME_COLOR, "PWA_APP_NAME": settings.PWA_APP_NAME}
