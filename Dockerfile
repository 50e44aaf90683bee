# The help desk's production image. By default it serves the app with gunicorn on port 8000
# (static files through whitenoise); the same image runs migrations, the Celery worker and
# Celery beat with another command (see docker-compose.yml). TLS is terminated by a reverse
# proxy in front of it.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DEBUG=false \
    HELPDESK_VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media \
    STATIC_ROOT=/app/staticfiles

# An unprivileged user that owns only var/ (uploads); code and static files stay root's.
RUN groupadd --system --gid 10001 helpdesk \
    && useradd --system --uid 10001 --gid helpdesk --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin helpdesk

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt

COPY . .

# collectstatic needs production-mode settings to load. The key below is a throw-away value
# set for this command only (it never reaches the image's environment); the embedded SQLite
# and broker directories it creates go to a scratch folder that is removed again.
RUN DEBUG=false \
        SECRET_KEY="build-only-NOT-A-SECRET-collectstatic-0123456789-abcdefghijklmnopqrstuvwxyz" \
        ALLOWED_HOSTS=build.invalid \
        HELPDESK_VAR_DIR=/tmp/build-var \
        STATIC_ROOT=/app/staticfiles \
        python manage.py collectstatic --no-input \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var/media \
    && chown -R helpdesk:helpdesk /app/var

USER helpdesk

EXPOSE 8000

# Slim images have no curl. /healthz answers 200 only while the database does. Compose
# replaces this check for the worker and beat, which run the same image.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=5)"]

# GUNICORN_WORKERS (default 3): gunicorn worker processes. exec makes gunicorn PID 1, so it
# receives docker's SIGTERM and shuts down gracefully.
CMD ["sh", "-c", "exec gunicorn helpdesk.wsgi --bind 0.0.0.0:8000 --workers \"${GUNICORN_WORKERS:-3}\" --worker-tmp-dir /dev/shm --access-logfile -"]
