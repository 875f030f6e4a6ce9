"""The screening-list source kind: Consolidated Screening List exports (CSV and JSON fixtures in the export's
format, under tests/sources/primary/) read, diffed and matched to watched entities; polled from a real HTTP
server on loopback (tests/sources/feedserver.py), with every broken export refused on its source alone."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sources.kinds import screening_list
from sources.kinds.names import NameMatcher, WatchedName, normalised
from sources.models import Candidate, Health, Item, ListSnapshot, Source, SourceKind
from sources.review.selectors import citation_suggestion
from sources.services import source_add, source_poll
from tests.sources import feedserver
from tests.sources.feedserver import FeedServer

PRIMARY = Path(__file__).resolve().parent / "primary"
BEFORE, AFTER = PRIMARY / "csl_before.csv", PRIMARY / "csl_after.csv"


def _names(entries: list[screening_list.ListEntry]) -> set[str]:
    return {entry["name"] for entry in entries}


def test_the_diff_of_two_exports_names_each_addition_removal_change_and_rename() -> None:
    before = screening_list.parse_export(BEFORE.read_bytes())
    after = screening_list.parse_export(AFTER.read_bytes())
    assert len(before) == 5  # the Entity List's entries only: the SDN entry is another list's
    diff = screening_list.snapshot_diff(before, after)
    assert _names(diff.added) == {"ChangXin Memory Technologies, Inc.", "QINGDAO CORE-EN INTEGRATED CIRCUITS CO., LTD."}
    assert _names(diff.removed) == {"Example Optics Trading Limited"}
    assert [(old["name"], new["name"]) for old, new in diff.renamed] == [
        ("Shenzhen Example Components Co., Ltd.", "Shenzhen Sample Components Co., Ltd.")
    ]
    assert [new["name"] for _, new in diff.changed] == ["Yangtze Memory Technologies Co., Ltd."]
    assert screening_list.snapshot_diff(after, after).__len__() == 0

    entries = {entry.facts["name"]: entry for entry in screening_list.diff_entries(diff, today=timezone.now().date())}
    cxmt = entries["ChangXin Memory Technologies, Inc."]
    assert cxmt.facts["kind"] == "entity_listing" and cxmt.facts["date"] == "2024-12-05"
    assert cxmt.facts["federal_register_notice"] == "89 FR 99990 12/05/24" and cxmt.facts["countries"] == ["CN"]
    removed = entries["Example Optics Trading Limited"]
    assert removed.facts["kind"] == "entity_delisting" and removed.facts["date"] == timezone.now().date().isoformat()
    assert entries["Yangtze Memory Technologies Co., Ltd."].facts["changed_fields"] == ["license_requirement"]
    assert (
        entries["Shenzhen Sample Components Co., Ltd."].facts["previous_name"]
        == "Shenzhen Example Components Co., Ltd."
    )


def test_a_name_respelled_under_the_same_key_is_a_change_of_the_entry() -> None:
    before = screening_list.parse_export(BEFORE.read_bytes())
    respelled = BEFORE.read_bytes().replace(b'"Huawei Technologies Co., Ltd."', b"HUAWEI TECHNOLOGIES CORPORATION")
    diff = screening_list.snapshot_diff(before, screening_list.parse_export(respelled))
    assert (diff.added, diff.removed, diff.renamed) == ([], [], [])
    [(old, new)] = diff.changed
    assert (old["name"], new["name"]) == ("Huawei Technologies Co., Ltd.", "HUAWEI TECHNOLOGIES CORPORATION")
    [entry] = screening_list.diff_entries(diff, today=timezone.now().date())
    assert entry.facts["changed_fields"] == ["name"]


def test_a_json_export_reads_as_the_same_entries_as_the_csv() -> None:
    assert screening_list.parse_export((PRIMARY / "csl_after.json").read_bytes()) == screening_list.parse_export(
        AFTER.read_bytes()
    )


def test_listed_names_match_watched_aliases_normalised_in_english_and_chinese() -> None:
    matcher = NameMatcher(
        [
            WatchedName("Huawei", ("Huawei Technologies", "华为"), "huawei"),
            WatchedName("CXMT", ("ChangXin Memory Technologies", "长鑫存储")),
            WatchedName("SMIC", ("Semiconductor Manufacturing International Corporation", "中芯国际")),
            WatchedName("SiEn", ("芯恩",)),
            WatchedName("AI", ("AI",)),
        ]
    )

    def matched(*names: str) -> list[str]:
        return [entity.name for entity in matcher.matches(names)]

    assert normalised("HUAWEI TECHNOLOGIES CO., LTD.") == normalised("Huawei Technologies") == "huawei technologies"
    assert matched("HUAWEI TECHNOLOGIES CO., LTD.") == ["Huawei"]
    assert matched("Ｈｕａｗｅｉ Technologies Co Ltd") == ["Huawei"]  # full-width letters
    assert matched("华为技术有限公司") == ["Huawei"]
    assert matched("ChangXin Memory Technologies, Inc.") == ["CXMT"]
    assert matched("Semiconductor Manufacturing International Corp.") == ["SMIC"]
    assert matched("中芯国际集成电路制造有限公司") == ["SMIC"]
    assert matched("QINGDAO CORE-EN INTEGRATED CIRCUITS CO., LTD.", "芯恩（青岛）集成电路有限公司") == ["SiEn"]
    # Whole words only, and no two-letter alias matching inside other names.
    assert matched("Huaweiyun Trading Co., Ltd.", "Kairos AI Lab") == []


def _serve(server: FeedServer, body: bytes, *, conditional: bool = False) -> None:
    server.routes["/consolidated.csv"] = feedserver.feed(body, content_type="text/csv", conditional=conditional)


def _source(server: FeedServer, path: str = "/consolidated.csv", name: str = "Entity List") -> object:
    return source_add(url=server.url(path), name=name, kind=SourceKind.SCREENING_LIST)


@pytest.mark.django_db
def test_the_first_poll_is_a_baseline_and_the_next_makes_a_candidate_of_each_change(
    feed_server, allow_loopback
) -> None:
    _serve(feed_server, BEFORE.read_bytes(), conditional=True)
    source = _source(feed_server)
    first = source_poll(source_id=source.pk)
    assert (first.status, first.new_items) == ("ok", 0)
    assert ListSnapshot.objects.get(source=source).entry_count == 5
    assert source_poll(source_id=source.pk).status == "not_modified"
    assert feed_server.hits("/consolidated.csv")[-1].headers["if-none-match"]

    _serve(feed_server, AFTER.read_bytes())
    outcome = source_poll(source_id=source.pk)
    assert (outcome.status, outcome.new_items, outcome.candidates) == ("ok", 5, 5)
    assert ListSnapshot.objects.filter(source=source).count() == 2

    cxmt = Candidate.objects.get(item__facts__name="ChangXin Memory Technologies, Inc.")
    assert (cxmt.category, cxmt.kind, cxmt.date_edtf) == ("government", "entity_listing", "2024-12-05")
    assert "CXMT" in [entity["name"] for entity in cxmt.entities]
    sien = Candidate.objects.get(item__facts__name="QINGDAO CORE-EN INTEGRATED CIRCUITS CO., LTD.")
    assert "SiEn" in [entity["name"] for entity in sien.entities]  # through its Chinese name alone
    delisted = Candidate.objects.get(item__facts__name="Example Optics Trading Limited")
    assert delisted.kind == "entity_delisting"

    citation = citation_suggestion(cxmt)
    assert (citation["reliability"], citation["credibility"]) == ("A", "1")
    assert citation["locator"] == "89 FR 99990 12/05/24" and citation["published"] == "2024-12-05"

    again = source_poll(source_id=source.pk)  # the same export again: nothing happened
    assert (again.status, again.new_items) == ("ok", 0) and ListSnapshot.objects.filter(source=source).count() == 2


def _without_column(body: bytes, column: str) -> bytes:
    return body.replace(column.encode(), b"fr_notice", 1)


def _lost_most(body: bytes) -> bytes:
    lines = body.decode().splitlines(keepends=True)
    return "".join(lines[:2]).encode()  # the header and one entry of five


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            _without_column(AFTER.read_bytes(), "federal_register_notice"),
            "the CSV header changed: no federal_register_notice",
        ),
        (AFTER.read_bytes().replace(b'"Huawei Technologies Co., Ltd."', b'""'), "has no name"),
        (
            AFTER.read_bytes().replace(b",Presumption of denial.,,,,,,,,https", b",Presumption", 1),
            "columns, the header 29",
        ),
        ((PRIMARY / "csl_after.json").read_bytes()[:900], "not complete JSON"),
        (b"", "the export is empty"),
        (AFTER.read_bytes().splitlines(keepends=True)[0], "the export lists no entries"),
        (_lost_most(AFTER.read_bytes()), "the list lost 4 of its 5 entries (80%)"),
        (json.dumps({"results": [{"name": "X", "source": "Y"}]}).encode(), "entry 1 has no addresses"),
    ],
)
def test_a_broken_export_is_an_error_on_its_source_alone_and_records_nothing(
    feed_server, allow_loopback, broken: bytes, message: str
) -> None:
    _serve(feed_server, BEFORE.read_bytes())
    source = _source(feed_server)
    feed_server.routes["/other.csv"] = feedserver.feed(BEFORE.read_bytes(), content_type="text/csv")
    other = _source(feed_server, "/other.csv", "Other copy")
    assert source_poll(source_id=source.pk).status == "ok"
    baseline = ListSnapshot.objects.get(source=source)

    _serve(feed_server, broken)
    outcome = source_poll(source_id=source.pk)
    source.refresh_from_db()
    assert outcome.status == "error" and message in source.last_error
    assert source.health == Health.FAILING
    assert list(ListSnapshot.objects.filter(source=source)) == [baseline]
    assert not Item.objects.exists() and not Candidate.objects.exists()

    assert source_poll(source_id=other.pk).status == "ok"
    other.refresh_from_db()
    assert other.health == Health.OK


def test_flag_feed_prints_the_changes_between_two_saved_exports() -> None:
    out = StringIO()
    call_command(
        "flag_feed",
        str(PRIMARY / "csl_after.json"),
        "--previous",
        str(BEFORE),
        "--jsonl",
        "--default-rules",
        stdout=out,
    )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    changes = sorted((row["facts"]["change"], row["facts"]["name"]) for row in rows)
    assert changes == [
        ("added", "ChangXin Memory Technologies, Inc."),
        ("added", "QINGDAO CORE-EN INTEGRATED CIRCUITS CO., LTD."),
        ("changed", "Yangtze Memory Technologies Co., Ltd."),
        ("removed", "Example Optics Trading Limited"),
        ("renamed", "Shenzhen Sample Components Co., Ltd."),
    ]
    assert all(row["flagged"] and row["category"] == "government" for row in rows)
    sien = next(row for row in rows if row["facts"]["name"].startswith("QINGDAO"))
    assert "SiEn" in sien["entities"] and sien["date"] == "2024-12-05"


def test_flag_feed_refuses_a_broken_previous_export_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "old.csv"
    broken.write_bytes(_without_column(BEFORE.read_bytes(), "start_date"))
    with pytest.raises(CommandError, match="no start_date column"):
        call_command("flag_feed", str(AFTER), "--previous", str(broken), "--default-rules", stdout=StringIO())


@pytest.mark.django_db
def test_add_source_registers_a_screening_list_with_the_entity_list_watched(allow_loopback) -> None:
    out = StringIO()
    call_command("add_source", "http://127.0.0.1:9/consolidated.csv", "--kind", "screening_list", stdout=out)
    assert "(screening_list)" in out.getvalue()
    source = Source.objects.get()
    assert source.kind == SourceKind.SCREENING_LIST and source.query == {"lists": [screening_list.ENTITY_LIST]}


@pytest.mark.django_db
def test_the_snapshots_of_a_list_are_shown_to_analysts_without_their_entries(feed_server, allow_loopback) -> None:
    _serve(feed_server, BEFORE.read_bytes())
    source = _source(feed_server)
    source_poll(source_id=source.pk)
    user = get_user_model().objects.create_superuser("analyst", "analyst@example.org", "pw-for-tests-only")
    client = Client()
    client.force_login(user)
    page = client.get(reverse("admin:sources_listsnapshot_changelist")).content.decode()
    assert "Entity List" in page and ">5<" in page and "Huawei" not in page
