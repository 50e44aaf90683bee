"""Settings for the benchmark server: the production settings (DEBUG off, cached templates,
WhiteNoise) plus what measuring needs. Used by gunicorn and by bench/run.py itself."""

from helpdesk.settings import *  # noqa: F403
from helpdesk.settings import BASE_DIR, MIDDLEWARE, TEMPLATES

ROOT_URLCONF = "bench.urls"
# First, so it counts every query of the request, the session's and the user's included.
MIDDLEWARE = ["bench.middleware.count_queries", *MIDDLEWARE]
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}]

# Plain HTTP over loopback: in production TLS ends at the proxy, so nothing here measures it.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# The portal load opens thousands of tickets a minute from one address: no rate limit may
# turn a creation into a refusal.
_UNLIMITED = {"ip": "1000000000/s", "email": "1000000000/s"}
HELPDESK_RATE_LIMITS = {"tickets": _UNLIMITED, "lookups": _UNLIMITED, "logins": _UNLIMITED}
