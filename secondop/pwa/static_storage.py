"""Static files in production: whitenoise's compressed files under hashed names, with the imports between the
page's JavaScript modules (static/js/main.js and what it imports) rewritten to those hashed names as well.
A module's name then changes whenever one it imports changes, and the service worker's precache (the
hashed URLs of views.SHELL_ASSETS) holds exactly the files the page asks for."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
