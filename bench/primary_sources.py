"""Primary-source benchmark: diffing two 30,000-entry screening-list exports, and a Federal Register page vs a feed.

Run: `.venv/bin/python -m bench.primary_sources` (see `--help`). No database and no network.

1. Two generated Consolidated Screening List CSV exports of `--entries` entries each (the second with 1% of them
   changed: added, removed, changed, renamed) are read, diffed and turned into change entries
   (sources.kinds.screening_list: parse_export twice, snapshot_diff, diff_entries). The aim: under 5 s.
2. A generated documents.json page of 100 documents against an RSS 2.0 feed of the same 100 texts (titles,
   abstracts, dates, links), each through what a poll does with it before storing: the page through
   parse_documents_page + dedup keys + flagging (sources.kinds.polling), the feed through
   sources.feeds.pipeline.feed_process. The aim: the page no slower than the feed (ratio of items per second,
   page / feed, at least 1).

Timing: best of `--rounds` rounds for each figure, methods alternating in each round.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "primary_sources.json"
HEADER = [
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
]
ENTITY_LIST = "Entity List (EL) - Bureau of Industry and Security"
CITIES = [
    ("Shenzhen", "CN"),
    ("Beijing", "CN"),
    ("Shanghai", "CN"),
    ("Moscow", "RU"),
    ("Dubai", "AE"),
    ("Hong Kong", "HK"),
]
WORDS = ["Advanced", "Micro", "Systems", "Photonics", "Semiconductor", "Trading", "Precision", "Electronics", "Optics"]
TOPICS = [
    "advanced computing integrated circuits and semiconductor manufacturing equipment",
    "high bandwidth memory for AI accelerators",
    "the Entity List and supercomputer end uses in China",
    "fishing vessel engines and marine diesel parts",
    "license exceptions for encryption items",
]


def _entry(rng: random.Random, number: int) -> dict[str, str]:
    city, country = rng.choice(CITIES)
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {number} Co., Ltd."
    start = date(2016, 1, 1) + timedelta(days=rng.randint(0, 3000))
    row = dict.fromkeys(HEADER, "")
    row.update(
        {
            "_id": f"bench{number:06d}",
            "source": ENTITY_LIST,
            "type": "Entity",
            "name": name,
            "addresses": f"{rng.randint(1, 999)} Bench Road, {city}, {country}",
            "federal_register_notice": f"{81 + (start.year - 2016)} FR {rng.randint(1000, 99999)} {start:%m/%d/%y}",
            "start_date": start.isoformat(),
            "license_requirement": "For all items subject to the EAR.",
            "license_policy": "Presumption of denial.",
            "alt_names": f"{name.split(' Co.')[0]} Limited; 示例{number}有限公司" if number % 7 == 0 else "",
            "source_list_url": "https://www.bis.gov/entity-list",
        }
    )
    return row


def exports(entries: int, seed: int) -> tuple[bytes, bytes, dict[str, int]]:
    rng = random.Random(seed)
    before = [_entry(rng, number) for number in range(entries)]
    after = [dict(row) for row in before]
    share = max(1, entries // 400)  # 4 kinds of change, 1% of the entries in all
    rng.shuffle(after)
    removed, after = after[:share], after[share:]
    for row in after[:share]:
        row["license_requirement"] = "For all items subject to the EAR. (See §744.11 of the EAR)."
    for row in after[share : 2 * share]:
        row["name"] = "Renamed " + row["name"]
    after += [_entry(rng, entries + number) for number in range(share)]

    def csv_bytes(rows: list[dict[str, str]]) -> bytes:
        out = io.StringIO()
        writer = csv.DictWriter(out, HEADER, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().encode()

    return (
        csv_bytes(before),
        csv_bytes(after),
        {"added": share, "removed": len(removed), "changed": share, "renamed": share},
    )


def documents(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    results = []
    for number in range(count):
        day = date(2024, 12, 20) - timedelta(days=number // 5)
        topic = rng.choice(TOPICS)
        doc_type = rng.choice(["Rule", "Rule", "Proposed Rule", "Notice"])
        document_number = f"{day.year}-{80000 + number:05d}"
        results.append(
            {
                "title": f"Revisions to Export Controls on {topic.split(' and ')[0].title()} ({number})",
                "type": doc_type,
                "subtype": None,
                "abstract": f"The Bureau of Industry and Security amends the Export Administration Regulations on "
                f"{topic}. This rule also clarifies license requirements for parties in China and Macau.",
                "action": "Interim final rule." if doc_type == "Rule" else f"{doc_type}.",
                "document_number": document_number,
                "citation": f"89 FR {90000 + number * 7}",
                "effective_on": day.isoformat() if doc_type == "Rule" else None,
                "publication_date": day.isoformat(),
                "html_url": f"https://www.federalregister.gov/documents/{day:%Y/%m/%d}/{document_number}/revisions",
                "pdf_url": f"https://www.govinfo.gov/content/pkg/FR-{day}/pdf/{document_number}.pdf",
                "agencies": [
                    {
                        "raw_name": "Bureau of Industry and Security",
                        "name": "Industry and Security Bureau",
                        "id": 241,
                        "url": "https://www.federalregister.gov/agencies/industry-and-security-bureau",
                        "json_url": "https://www.federalregister.gov/api/v1/agencies/241",
                        "parent_id": 54,
                        "slug": "industry-and-security-bureau",
                    }
                ],
                "cfr_references": [{"title": 15, "part": 744, "chapter": 7}],
                "docket_ids": [f"Docket No. {number:06d}-0001"],
            }
        )
    return results


def page_and_feed(count: int, seed: int) -> tuple[bytes, bytes]:
    results = documents(count, seed)
    page = json.dumps({"count": count, "description": "Bench", "total_pages": 1, "results": results}).encode()
    items = "".join(
        f"<item><title>{escape(r['title'])}</title><link>{escape(r['html_url'])}</link>"
        f"<guid>{r['document_number']}</guid><pubDate>{date.fromisoformat(r['publication_date']):%d %b %Y} "
        f"00:00:00 +0000</pubDate><description>{escape(r['abstract'])}</description></item>"
        for r in results
    )
    feed = (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Bench</title>"
        f"<link>https://www.federalregister.gov/</link><description>d</description>{items}</channel></rss>"
    ).encode()
    return page, feed


def _best(run: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=30_000, help="entries per screening-list export")
    parser.add_argument("--documents", type=int, default=100, help="documents on the Federal Register page")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--no-output", action="store_true", help=f"do not write {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from sources.feeds.pipeline import entries_keyed, feed_process, flag_entries
    from sources.flagging.rules import default_rules
    from sources.kinds import federal_register, screening_list

    load_start = os.getloadavg()[0]
    before, after, planted = exports(args.entries, args.seed)
    today = date(2025, 1, 1)

    def diff() -> int:
        old = screening_list.parse_export(before)
        new = screening_list.parse_export(after)
        return len(screening_list.diff_entries(screening_list.snapshot_diff(old, new), today=today))

    old, new = screening_list.parse_export(before), screening_list.parse_export(after)
    found = screening_list.snapshot_diff(old, new)
    counts = {
        "added": len(found.added),
        "removed": len(found.removed),
        "changed": len(found.changed),
        "renamed": len(found.renamed),
    }
    diff_seconds = _best(diff, args.rounds)
    diff_only_seconds = _best(lambda: screening_list.snapshot_diff(old, new), args.rounds)

    rules = default_rules()
    page, feed = page_and_feed(args.documents, args.seed)

    def federal_register_page() -> int:
        keyed = entries_keyed(federal_register.parse_documents_page(page).feed)
        flag_entries(keyed, rules)
        return len(keyed)

    def news_feed() -> int:
        return len(feed_process(feed, rules=rules)[1])

    assert federal_register_page() == news_feed() == args.documents
    page_best = feed_best = float("inf")
    for number in range(args.rounds * 4):  # alternate which goes first
        pair = [("page", federal_register_page), ("feed", news_feed)]
        for name, run in pair if number % 2 else reversed(pair):
            seconds = _best(run, 1)
            if name == "page":
                page_best = min(page_best, seconds)
            else:
                feed_best = min(feed_best, seconds)
    result = {
        "what": "screening-list diff of two exports (parse both, diff, change entries); a Federal Register page "
        "vs a news feed of the same texts (parse, dedup keys, flag)",
        "entries_per_export": args.entries,
        "changes_planted": planted,
        "changes_found": counts,
        "diff_seconds": round(diff_seconds, 3),
        "diff_only_seconds": round(diff_only_seconds, 4),
        "diff_aim_seconds": 5.0,
        "documents": args.documents,
        "federal_register_page_seconds": round(page_best, 4),
        "news_feed_seconds": round(feed_best, 4),
        "federal_register_items_per_second": round(args.documents / page_best, 1),
        "news_feed_items_per_second": round(args.documents / feed_best, 1),
        "ratio_page_to_feed": round(feed_best / page_best, 3),
        "ratio_aim": ">= 1 (the page no slower than the feed)",
        "rounds": args.rounds,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_start_end": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(result, indent=2))
    if not args.no_output:
        RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
