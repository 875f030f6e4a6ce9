"""The admin's spreadsheet import page: upload, a preview with every error by row and column, then import.

The uploaded file is kept (under its sha256 in settings.INTEROP_IMPORT_DIR) from the preview to the import, so
the analyst confirms without uploading again, and nothing is recorded until the whole file is clean.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from interop import spreadsheet

KEEP_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[0-9a-f]{64}$")
_SUFFIX = re.compile(r"\.(csv|xlsx|xlsm)$", re.IGNORECASE)


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV (UTF-8) or .xlsx, in the CSV export's columns.")


def _kept_path(token: str, filename: str) -> Path:
    suffix = match.group(0).lower() if (match := _SUFFIX.search(filename)) else ".csv"
    return settings.INTEROP_IMPORT_DIR / f"{token}{suffix}"


def _keep(data: bytes, filename: str) -> str:
    token = spreadsheet.file_token(data)
    path = _kept_path(token, filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Previews never confirmed would pile up: a kept file lives a day, time enough to correct and come back.
    cutoff = time.time() - KEEP_SECONDS
    for old in path.parent.iterdir():
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    path.write_bytes(data)
    return token


def _render(request: HttpRequest, context: dict[str, object], status: int = 200) -> HttpResponse:
    context = {**admin.site.each_context(request), "title": "Import developments from a spreadsheet", **context}
    return render(request, "interop/import.html", context, status=status)


@staff_member_required
@permission_required("timeline.add_development", raise_exception=True)
def import_developments(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("token"):
        return _confirm(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return _render(request, {"form": form}, status=400 if request.method == "POST" else 200)
    upload = form.cleaned_data["file"]
    if upload.size > settings.INTEROP_IMPORT_MAX_BYTES:
        limit = settings.INTEROP_IMPORT_MAX_BYTES / 1e6
        form.add_error("file", f"The file is {upload.size / 1e6:.1f} MB; at most {limit:.0f} MB: split it.")
        return _render(request, {"form": form}, status=400)
    data = upload.read()
    try:
        plan = spreadsheet.import_plan(data, upload.name)
    except spreadsheet.ImportFileError as error:
        form.add_error("file", str(error))
        return _render(request, {"form": form}, status=400)
    token = _keep(data, upload.name)
    return _render(
        request,
        {"form": UploadForm(), "plan": plan, "token": token, "filename": upload.name},
        status=200 if plan.ok else 400,
    )


def _confirm(request: HttpRequest) -> HttpResponse:
    token, filename = request.POST.get("token", ""), request.POST.get("filename", "")
    path = _kept_path(token, filename) if _TOKEN.match(token) else None
    if path is None or not path.exists():
        messages.error(request, "The previewed file is no longer kept; upload it again.")
        return HttpResponseRedirect(request.path)
    data = path.read_bytes()
    # Previewed again: a development may have changed since, and the import must do what it says.
    plan = spreadsheet.import_plan(data, filename)
    if not plan.ok:
        return _render(request, {"form": UploadForm(), "plan": plan, "token": token, "filename": filename}, status=400)
    actor = request.user.get_username()
    try:
        spreadsheet.import_apply(plan, actor=actor, reason=f"Imported from {filename}")
    except spreadsheet.ImportConflictError as error:
        messages.error(request, str(error))
        return _render(request, {"form": UploadForm(), "plan": plan, "token": token, "filename": filename}, status=409)
    path.unlink(missing_ok=True)
    messages.success(request, f"Imported {filename}: {plan.summary()}.")
    return HttpResponseRedirect(reverse("admin:timeline_development_changelist"))
