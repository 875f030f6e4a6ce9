"""The admin's spreadsheet import page: a preview with per-row errors, the file kept for the import, nothing
recorded until the file is clean, analysts only.

No server is started: Django's test client logs in as staff users of each role.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from events.models import StoredEvent
from tests.admin.conftest import client_for, make_user
from tests.interop.test_import import row, sheet_csv
from timeline.models import Development

pytestmark = pytest.mark.django_db
URL = "/admin/import-developments/"


@pytest.fixture
def kept(settings: Any, tmp_path: Path) -> Path:
    settings.INTEROP_IMPORT_DIR = tmp_path / "imports"
    return tmp_path / "imports"


@pytest.fixture
def analyst(db: None) -> Client:
    return client_for(make_user("ada", "analyst"))


def upload(client: Client, data: bytes, name: str = "sheet.csv") -> Any:
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_the_preview_lists_errors_by_row_and_column_and_records_nothing(
    analyst: Client, entities: None, kept: Path
) -> None:
    events = StoredEvent.objects.count()
    data = sheet_csv([row(), row(date="July 2022"), row(category="Finance")])
    response = upload(analyst, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "<td>3</td><td>date</td>" in page and "<td>4</td><td>category</td>" in page
    assert "Nothing was recorded" in page and 'name="token"' not in page
    assert StoredEvent.objects.count() == events
    # The analyst's file is kept as uploaded.
    assert [path.read_bytes() for path in kept.iterdir()] == [
        sheet_csv([row(), row(date="July 2022"), row(category="Finance")])
    ]


def test_a_clean_file_is_previewed_then_imported_without_uploading_it_again(
    analyst: Client, entities: None, kept: Path
) -> None:
    preview = upload(analyst, sheet_csv([row(), row("Huawei Ascend 910B", "2023-08")]))
    assert preview.status_code == 200
    assert "2 rows: 2 new, 0 revised, 0 unchanged" in preview.content.decode()
    assert not Development.objects.exists()
    token = preview.context["token"]
    done = analyst.post(URL, {"token": token, "filename": "sheet.csv"})
    assert done.status_code == 302 and done["Location"] == "/admin/timeline/development/"
    assert Development.objects.count() == 2
    assert StoredEvent.objects.filter(stream__startswith="development-").first().metadata["actor"] == "ada"
    assert not list(kept.iterdir())


def test_a_file_that_is_not_a_spreadsheet_gets_its_message_on_the_form(analyst: Client, kept: Path) -> None:
    response = upload(analyst, b"\x89PNG\r\n\x1a\n\x00\x00", "chart.csv")
    assert response.status_code == 400
    assert "This is not a spreadsheet" in response.content.decode()


def test_a_viewer_cannot_import(db: None, kept: Path) -> None:
    viewer = client_for(make_user("vic", "viewer"))
    assert viewer.get(URL).status_code == 403


def test_a_kept_file_older_than_a_day_is_removed_at_the_next_upload(
    analyst: Client, entities: None, kept: Path
) -> None:
    kept.mkdir(parents=True)
    stale, fresh = kept / ("a" * 64 + ".csv"), kept / ("b" * 64 + ".csv")
    stale.write_bytes(b"old")
    fresh.write_bytes(b"recent")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))
    upload(analyst, sheet_csv([row()]))
    assert not stale.exists() and fresh.exists()
