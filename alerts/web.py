"""Saved-search pages: a signed-in user lists, creates, changes and deletes their own saved searches, rotates a
webhook's secret and enables a disabled webhook again.

Thin views: the forms parse, alerts.services writes and checks (the same services as /api/saved-searches/),
alerts.selectors reads only the user's own rows (another user's saved search is a 404, never a 403 that would
confirm it exists).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from alerts import services
from alerts.forms import SavedSearchEditForm, SavedSearchForm
from alerts.models import Channel, SavedSearch
from alerts.selectors import saved_searches_of

# The site's one sign-in page; it comes back here after (`next`).
LOGIN_URL = reverse_lazy("admin:login")
# Ids past a 64-bit integer name no row (and would overflow the database's integer).
LARGEST_ID = 2**63 - 1


def own_search(request: HttpRequest, pk: int) -> SavedSearch:
    search = saved_searches_of(request.user).filter(pk=pk).first() if pk <= LARGEST_ID else None
    if search is None:
        raise Http404("You have no saved search with this id.")
    return search


def keep(form: SavedSearchForm, error: services.SavedSearchError) -> None:
    """The service's refusal, next to the field it names."""
    for name, errors in error.errors.items():
        form.add_error(name if name in form.fields else None, errors)


def show_secret(request: HttpRequest, search: SavedSearch, *, heading: str) -> HttpResponse:
    # Shown once, now: the owner stores it to verify signatures; no page shows it again.
    return render(request, "alerts/saved_search_secret.html", {"search": search, "heading": heading})


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def saved_search_list(request: HttpRequest) -> HttpResponse:
    form = SavedSearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            search = services.saved_search_create(owner=request.user, changes=form.changes())
        except services.SavedSearchError as error:
            keep(form, error)
        else:
            if search.webhook_secret:
                return show_secret(request, search, heading=f"Saved: {search.name}")
            messages.success(request, f"Saved “{search.name}”.")
            return redirect("saved-searches-page")
    searches = list(saved_searches_of(request.user))
    status = 400 if form.errors else 200
    return render(request, "alerts/saved_searches.html", {"form": form, "searches": searches}, status=status)


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def saved_search_edit(request: HttpRequest, pk: int) -> HttpResponse:
    search = own_search(request, pk)
    form = SavedSearchEditForm(request.POST or None, search=search)
    if request.method == "POST" and form.is_valid():
        had_secret = bool(search.webhook_secret)
        try:
            search = services.saved_search_change(search=search, changes=form.changes())
        except services.SavedSearchError as error:
            keep(form, error)
        else:
            if search.webhook_secret and not had_secret:
                # Turned into a webhook: the service gave it its first secret, which the owner sees now or never.
                return show_secret(request, search, heading=f"Saved: {search.name}")
            messages.success(request, f"Saved “{search.name}”.")
            return redirect("saved-searches-page")
    status = 400 if form.errors else 200
    return render(request, "alerts/saved_search_edit.html", {"form": form, "search": search}, status=status)


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm (a link never deletes); the confirmation's POST deletes."""
    search = own_search(request, pk)
    if request.method == "GET":
        return render(request, "alerts/saved_search_delete.html", {"search": search})
    services.saved_search_delete(search=search)
    messages.success(request, f"Deleted “{search.name}”.")
    return redirect("saved-searches-page")


@login_required(login_url=LOGIN_URL)
@require_POST
def saved_search_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    """A new signing secret for the webhook, shown once; the old one stops verifying at once."""
    search = own_search(request, pk)
    if search.channel != Channel.WEBHOOK:
        raise Http404("This saved search has no webhook, so no signing secret.")
    search = services.saved_search_rotate_secret(search=search)
    return show_secret(request, search, heading=f"New secret: {search.name}")


@login_required(login_url=LOGIN_URL)
@require_POST
def saved_search_enable_webhook(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner says the endpoint works again (the email that told them it was disabled asks for this)."""
    search = own_search(request, pk)
    services.webhook_enable(search=search)
    messages.success(request, f"Alerts for “{search.name}” go to its webhook again.")
    return redirect("saved-search-edit-page", pk=search.pk)
