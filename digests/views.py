"""Thin views over digests.services: parse the request, call the service, render a page."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from config.client_address import client_address
from digests import services
from digests.confirmations import SubscribeLimitError
from digests.forms import SubscribeForm
from digests.models import Subscription
from digests.tokens import TokenError, confirm_token_read, unsubscribe_token_read

logger = logging.getLogger(__name__)


def _invalid(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "digests/link_invalid.html", {"message": message}, status=status)


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    initial = {"email": getattr(user, "email", "")} if user else {}
    form = SubscribeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.subscription_request(
                client_address=client_address(request),
                email=data["email"],
                user=user,
                categories=data["categories"],
                kinds=data["kinds"],
                entities=data["entities"],
                timelines=data["timelines"],
                min_reliability=data["min_reliability"],
                include_review_queue=data["include_review_queue"],
                weekday=data["weekday"],
                hour=data["hour"],
                time_zone=data["time_zone"],
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        except SubscribeLimitError as error:
            # The same page as a request that sent a link: the form must not tell who is subscribed or limited.
            logger.info("subscribe request not mailed: %s", error)
            return render(request, "digests/subscribe_sent.html", {"email": data["email"]})
        else:
            return render(request, "digests/subscribe_sent.html", {"email": data["email"]})
    return render(request, "digests/subscribe.html", {"form": form}, status=400 if form.errors else 200)


# The token authorises the POST; a page of its own (GET) never changes anything, so link scanners that fetch
# every URL in a mail neither confirm nor unsubscribe anybody.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        try:
            confirm_token_read(token)
        except TokenError as error:
            return _invalid(request, str(error))
        return render(request, "digests/confirm.html", {"token": token})
    try:
        subscription = services.subscription_confirm(token=token)
    except TokenError as error:
        return _invalid(request, str(error))
    return render(request, "digests/confirmed.html", {"subscription": subscription})


@csrf_exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click" without any cookie or CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription_id = unsubscribe_token_read(token)
    except TokenError as error:
        return _invalid(request, str(error))
    if request.method == "GET":
        subscription = Subscription.objects.filter(pk=subscription_id).first()
        if subscription is None:
            return _invalid(request, "This subscription no longer exists.", status=404)
        return render(request, "digests/unsubscribe.html", {"token": token, "subscription": subscription})
    try:
        subscription = services.subscription_unsubscribe(token=token)
    except TokenError as error:
        return _invalid(request, str(error), status=404)
    return render(request, "digests/unsubscribed.html", {"subscription": subscription})
