"""Digest pages: subscribe, confirm (double opt-in) and unsubscribe (RFC 8058 one-click)."""

from django.urls import path

from digests import views

app_name = "digests"

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
