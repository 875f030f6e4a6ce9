"""Saved-search pages: a signed-in user lists, creates and deletes their own saved searches.

Thin views: the form parses, alerts.services writes and checks, alerts.selectors reads only the user's own rows
(another user's saved search is a 404, never a 403 that would confirm it exists).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods, require_POST

from alerts import services
from alerts.forms import SavedSearchForm
from alerts.models import Channel
from alerts.selectors import saved_searches_of

# The site's one sign-in page; it comes back here after (`next`).
LOGIN_URL = reverse_lazy("admin:login")


@login_required(login_url=LOGIN_URL)
@require_http_methods(["GET", "POST"])
def saved_search_list(request: HttpRequest) -> HttpResponse:
    form = SavedSearchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = services.SavedSearchChanges(
            name=data["name"],
            query=form.query(),
            filters=form.saved_filters(),
            channel=data["channel"],
            webhook_url=data["webhook_url"].strip() if data["channel"] == Channel.WEBHOOK else "",
        )
        try:
            search = services.saved_search_create(owner=request.user, changes=changes)
        except services.SavedSearchError as error:
            for name, messages in error.errors.items():
                form.add_error(name if name in form.fields else None, messages)
        else:
            if search.webhook_secret:
                # Shown once, now: the owner stores it to verify signatures; it is not shown again.
                return render(request, "alerts/saved_search_created.html", {"search": search})
            return redirect("saved-searches-page")
    searches = list(saved_searches_of(request.user))
    status = 400 if form.errors else 200
    return render(request, "alerts/saved_searches.html", {"form": form, "searches": searches}, status=status)


@login_required(login_url=LOGIN_URL)
@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    search = saved_searches_of(request.user).filter(pk=pk).first()
    if search is None:
        raise Http404("You have no saved search with this id.")
    services.saved_search_delete(search=search)
    return redirect("saved-searches-page")
