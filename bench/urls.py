"""The app's URLs plus the benchmark's ceiling views under /bench/."""

from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/minimal/", views.minimal, name="bench_minimal"),
    path("bench/reference/", views.reference, name="bench_reference"),
    path("", include("helpdesk.urls")),
]
