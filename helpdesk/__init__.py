"""The help desk project: settings, URLs, the Celery app and the WSGI entry point."""

# Load the Celery app with Django so `shared_task` binds to it and `.delay()` works in views.
from helpdesk.celery import app as celery_app

__all__ = ["celery_app"]
