"""The name a person recognises a device by, from its browser's User-Agent: "Safari on iPhone"."""

from django.utils.translation import gettext as _

_BROWSERS = [
    # Order matters: most browsers also name the ones they are built on.
    ("SamsungBrowser/", "Samsung Internet"),
    ("EdgiOS/", "Edge"),
    ("EdgA/", "Edge"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("FxiOS/", "Firefox"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Version/", "Safari"),
]


def device_name(user_agent: str) -> str:
    """A name a person recognises, in the active language: "Safari on iPhone", "Chrome on Android"."""
    if "iPhone" in user_agent or "iPod" in user_agent:
        platform = "iPhone"
    elif "iPad" in user_agent:
        platform = "iPad"
    elif "Android" in user_agent:
        platform = "Android"
    elif "CrOS" in user_agent:
        platform = "Chromebook"
    elif "Windows" in user_agent:
        platform = "Windows"
    elif "Macintosh" in user_agent or "Mac OS X" in user_agent:
        platform = "Mac"
    elif "Linux" in user_agent:
        platform = "Linux"
    else:
        platform = ""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    if platform in ("iPhone", "iPad") and not browser and "AppleWebKit" in user_agent:
        # The app added to the Home Screen names no browser.
        return _("secondop on your %(device)s") % {"device": platform}
    if browser and platform:
        # Translators: a web browser on a kind of device, e.g. "Chrome on Android".
        return _("%(browser)s on %(platform)s") % {"browser": browser, "platform": platform}
    return browser or platform or _("A browser")
