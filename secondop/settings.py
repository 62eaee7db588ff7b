"""secondop's one settings module: everything comes from the environment, with defaults that run on one
machine with nothing installed (SQLite and generated secrets under var/, an embedded Redis)."""

import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from secondop.env import env_bool, env_float, env_int, env_list, env_str, read_or_create_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SECONDOP_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=True)
PRODUCTION = not DEBUG

SECRET_KEY = env_str("SECRET_KEY") or read_or_create_secret(
    VAR_DIR / "secret_key", lambda: secrets.token_urlsafe(50)
)

# The address links in e-mails point at. Without SITE_URL it is where `make run` serves (HOST and PORT,
# as secondop.run reads them), so a mail sent on one machine links to the app that sent it.
_served_host = env_str("HOST", "127.0.0.1")
if _served_host in ("0.0.0.0", "::", ""):
    _served_host = "127.0.0.1"
elif ":" in _served_host:
    _served_host = f"[{_served_host}]"
SITE_URL = env_str("SITE_URL", f"http://{_served_host}:{env_int('PORT', 8000)}").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])
CSRF_FAILURE_VIEW = "secondop.pwa.views.csrf_failure"  # Django's page, told as "retry" to the outbox

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "pwa",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "secondop",
    "secondop.law",
    "secondop.accounts",
    "secondop.cases",
    "secondop.records",
    "secondop.authorizations",
    "secondop.opinions",
    "secondop.scripts",
    "secondop.visits",
    "secondop.reminders",
    "secondop.pwa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "secondop.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "secondop.security.SessionIdleMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "secondop.pwa.offline.PhoneCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "secondop.accounts.middleware.UserTimeZoneMiddleware",
    "secondop.pwa.idempotency.IdempotencyMiddleware",
    "secondop.cases.audit.AuditMiddleware",
]

ROOT_URLCONF = "secondop.urls"
WSGI_APPLICATION = "secondop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",  # LANGUAGE_CODE and LANGUAGES in every page
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "secondop.context_processors.site",
            ],
        },
    }
]

# The database. SQLite runs web, worker and beat against one file: WAL lets readers go on while one
# process writes, and IMMEDIATE transactions take the write lock up front so that two writers wait for
# each other (up to the timeout) instead of failing half-way with "database is locked".
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))}
else:
    DATABASES: dict[str, dict[str, object]] = {  # type: ignore[no-redef]
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH") or str(VAR_DIR / "secondop.sqlite3"),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory: the tests' Celery worker is another process and opens it (SQLITE_PATH).
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis carries Celery's short-lived messages and the shared cache (allauth's rate limits). The database,
# not Redis, is the source of truth: losing Redis loses no reminder.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES: dict[str, dict[str, object]]
if env_str("CACHE_BACKEND", "redis") == "locmem":  # the tests: one process, cleared between tests
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "secondop",
            "TIMEOUT": 300,
            # Pages use the cache (the inbox count, the audit trail's repeat views) and go on without it:
            # a Redis that hangs must cost a page half a second at most, not the system's TCP timeout.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 90)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
HEARTBEAT_SECONDS = env_float("HEARTBEAT_SECONDS", 15.0)
# Reminders: beat enqueues a sweep every REMINDER_DISPATCH_PERIOD seconds; each claims due rows for at
# most REMINDER_DISPATCH_SECONDS (below the period), holding them for REMINDER_LEASE_SECONDS.
REMINDER_DISPATCH_PERIOD = env_float("REMINDER_DISPATCH_PERIOD", 15.0)
REMINDER_DISPATCH_SECONDS = env_float("REMINDER_DISPATCH_SECONDS", REMINDER_DISPATCH_PERIOD * 0.6)
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 100)
# A batch renews its lease every third of it while it sends (between pushes, each at most 10 s), so the
# lease only has to outlast one push and a renewal; a worker killed mid-batch holds its rows this long.
REMINDER_LEASE_SECONDS = env_float("REMINDER_LEASE_SECONDS", 30.0)
# How many claimed batches may wait for a worker at once: enough to keep every worker process busy.
REMINDER_DISPATCH_BATCHES = env_int("REMINDER_DISPATCH_BATCHES", 8)
CELERY_BEAT_SCHEDULE = {
    # Harmless: proves beat is alive (the health page reads the time it left in Redis).
    "heartbeat": {
        "task": "secondop.tasks.heartbeat",
        "schedule": HEARTBEAT_SECONDS,
        "options": {"expires": HEARTBEAT_SECONDS * 0.8},
    },
    "dispatch-due-reminders": {
        "task": "secondop.reminders.tasks.dispatch_due",
        "schedule": REMINDER_DISPATCH_PERIOD,
        "options": {"expires": REMINDER_DISPATCH_PERIOD * 0.8},
    },
    "prune-outbox-answers": {
        "task": "secondop.tasks.prune_submissions",
        "schedule": 24 * 3600.0,
        "options": {"expires": 3600.0},
    },
}

# Accounts: e-mail login through django-allauth, with verification, TOTP and its rate limits.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "case_list"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "secondop.accounts.forms.SignupLanguageForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "secondop: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/h/user",
}
# allauth's own mails name the account by its e-mail address, never by the display name the person typed
# (a confirmation mail to someone else's address would otherwise carry their words); an account holds at
# most two addresses (one to move to).
ACCOUNT_USER_DISPLAY = "secondop.accounts.models.email_of"
ACCOUNT_MAX_EMAIL_ADDRESSES = 2
# Flash messages stay on the server, in the session: they can name a question or a checklist step, and
# Django's default keeps them in a signed but readable cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "secondop"

# Mail: SMTP when EMAIL_HOST is set; otherwise printed by `make run` (or written to var/mail/ with
# MAIL_TO_FILES=1), so sign-up links work on one machine with no mail server.
_smtp_host = env_str("EMAIL_HOST")
if _smtp_host:
    _smtp_port = env_int("EMAIL_PORT", 587)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp_host,
                "port": _smtp_port,
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", default=_smtp_port == 587),
                "use_ssl": env_bool("EMAIL_USE_SSL", default=_smtp_port == 465),
                "timeout": 20,
            },
        }
    }
elif env_bool("MAIL_TO_FILES"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "secondop <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


def _new_vapid_private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


# Web Push (used by the reminders): keys from the environment, or generated into var/ on first run.
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY") or read_or_create_secret(
    VAR_DIR / "vapid_private.pem", _new_vapid_private_key
)
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:admin@localhost")
# The push services the worker may POST to, over https on port 443: the browsers' own (Chrome, Edge's
# Chromium, Samsung and Opera use FCM; Firefox Mozilla's; Safari Apple's; older Edge WNS). A name that
# starts with "." allows every host under it. Subscriptions to anything else are refused.
PUSH_SERVICE_HOSTS = env_list(
    "PUSH_SERVICE_HOSTS",
    [
        "fcm.googleapis.com",
        "android.googleapis.com",
        "updates.push.services.mozilla.com",
        "web.push.apple.com",
        ".notify.windows.com",
    ],
)
# Subscriptions pointing at http://127.0.0.1 (a local test receiver) are accepted only when this is on.
PUSH_ALLOW_LOCAL_ENDPOINTS = env_bool("PUSH_ALLOW_LOCAL_ENDPOINTS", default=DEBUG)

# English and Spanish (see README, "Adding a language"). Signed in, a person's own choice (Profile.language)
# is used; before that the language cookie set by the switch, then the browser's Accept-Language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Our date and number formats per language (secondop/formats/<code>/formats.py), over Django's own.
FORMAT_MODULE_PATH = ["secondop.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "secondop.pwa.static_storage.StaticStorage"  # whitenoise's, with JS module imports hashed
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# django-pwa: its manifest view, our own service worker (django-pwa's default has no push or sync).
PWA_SERVICE_WORKER_PATH = BASE_DIR / "static" / "sw.js"
PWA_APP_NAME = "secondop"
PWA_APP_DESCRIPTION = "Ask for a second opinion calmly: scripts, records requests and reminders."
PWA_APP_THEME_COLOR = "#1f5f8b"
PWA_APP_BACKGROUND_COLOR = "#f7f9fb"
PWA_APP_DISPLAY = "standalone"
PWA_APP_ORIENTATION = "portrait"
PWA_APP_START_URL = "/cases/"
PWA_APP_SCOPE = "/"
PWA_APP_STATUS_BAR_COLOR = "default"
PWA_APP_DIR = "ltr"
PWA_APP_LANG = "en"
PWA_APP_DEBUG_MODE = False
PWA_APP_ICONS = [
    {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {"src": "/static/icons/maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
]
PWA_APP_ICONS_APPLE = [{"src": "/static/icons/apple-touch-icon.png", "sizes": "180x180"}]
PWA_APP_SPLASH_SCREEN: list[dict[str, str]] = []
PWA_APP_SHORTCUTS = [{"name": "My cases", "url": "/cases/", "description": "Your second-opinion cases"}]

# Production: HTTPS everywhere, secure cookies, HSTS.
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", PRODUCTION) else None
)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy: only this site's own files run, load and connect; nothing inline (no <style>,
# no style="", no onclick=) — htmx's indicator <style> is switched off by the htmx-config meta in
# base.html. A nonce is there for an inline <script> that really cannot be a file; there is none today.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],  # data: for the two-factor QR code
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "frame-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "upgrade-insecure-requests": PRODUCTION,
}
# Browser features no page here uses are off for every origin; the say-it view keeps the screen awake and
# the copy buttons write to the clipboard. Only features Chromium knows are named (it logs an error for
# any other); web-share, for the share buttons, is this site's alone by default and not everywhere known.
# Reading the clipboard already needs the person's yes in a browser prompt.
# Notifications and push are asked for by the browser itself and are not Permissions-Policy features.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "clipboard-write": ["self"],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "local-fonts": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": [],
    "publickey-credentials-get": [],
    "screen-wake-lock": ["self"],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

# Sessions end after SESSION_IDLE_SECONDS without a request; every request moves the end along
# (secondop.security.SessionIdleMiddleware, which moves only the expiry date: SESSION_SAVE_EVERY_REQUEST
# would save the whole session each time, and turned requests racing a log-out into 400s). Two weeks by
# default: reminders come weekly, so someone who acts on them (or misses one) stays signed in on their own
# phone, while a session left behind on a shared computer closes by itself. The phone's lock screen guards
# the rest, and what matters most (exporting everything, deleting the account, two-factor and password
# changes) asks for the password again, whatever the session's age.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 14 * 24 * 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"secret_paths": {"()": "secondop.redact.SecretPathFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["secret_paths"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (a console one under DEBUG, the mail to ADMINS) would print a request's
        # path before the secret_paths filter sees it: its records go to the filtered console only.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
