"""Writes general_news.jsonl: ordinary technology and world news for counting the flagger's noise flags.

The flagger may raise at most one noise flag per 1,000 items of general news. Real feeds are mostly sport, weather,
local politics, markets, gadgets, software releases, health, science and entertainment, and some of their
technology stories mention AI, GPUs or chips without being about the AI and chip competition. This script
writes such items from hand-written templates and vocabularies (the places, teams and small firms are
invented, so no item asserts anything about a real person), with a fixed seed so the file is reproducible:

    .venv/bin/python -m sources.training.make_general_news

A handful of genuinely relevant items, written by hand, are mixed in and labelled as such, as a real feed
would carry them. The file is for measuring only: never train on it.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from sources.training.general_news_writers import (
    CHIP_FALSE_FRIENDS,
    GAMING,
    PRIVACY,
    RALLIES,
    SAFETY,
    _entertainment,
    _finance,
    _gadget,
    _health,
    _local,
    _science,
    _software,
    _sport,
    _tech_ai,
    _template_topic,
    _tutorial,
    _weather,
    _zh,
)

HERE = Path(__file__).resolve().parent
OUT = HERE / "general_news.jsonl"
SEED = 20261206
MAX_SAME = 6  # items written from one template (one summary) at most: a feed repeats itself less than a generator

RELEVANT = json.loads((HERE / "general_news_vocabulary.json").read_text(encoding="utf-8"))["RELEVANT"]


TOPICS = [
    ("sports", "world", _sport, 110),
    ("local_politics", "world", _local, 80),
    ("consumer_gadget", "trade", _gadget, 100),
    ("software_release", "developer", _software, 80),
    ("health", "world", _health, 80),
    ("finance", "wire", _finance, 100),
    ("science", "world", _science, 60),
    ("weather", "world", _weather, 70),
    ("entertainment", "world", _entertainment, 60),
    ("tech_other", "trade", _tech_ai, 70),
    ("dev_tutorial", "developer", _tutorial, 50),
    ("false_friend", "world", _template_topic(CHIP_FALSE_FRIENDS), 80),
    ("gaming_gpu", "trade", _template_topic(GAMING), 45),
    ("privacy_fine", "wire", _template_topic(PRIVACY), 40),
    ("ai_safety_research", "trade", _template_topic(SAFETY), 40),
    ("political_rally", "world", _template_topic(RALLIES), 45),
    ("world", "cn_media", _zh, 90),
]


def _category(kind: str) -> str:
    return {
        "investment": "corporate",
        "market_move": "corporate",
        "model_launch": "technology",
        "policy_statement": "government",
    }[kind]


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    start = date(2023, 1, 1)
    span = (date(2026, 11, 30) - start).days
    seen: set[str] = set()
    same: Counter[tuple[str, str]] = Counter()
    rows: list[dict[str, object]] = []
    for noise, source, write, wanted in TOPICS:
        made = attempts = 0
        while made < wanted and attempts < wanted * 50:
            attempts += 1
            title, summary = write(rng)
            title = title[0].upper() + title[1:]
            if title.lower() in seen or same[(noise, summary)] >= MAX_SAME:
                continue
            seen.add(title.lower())
            same[(noise, summary)] += 1
            made += 1
            rows.append(
                {
                    "source": source,
                    "lang": "zh" if source == "cn_media" else "en",
                    "title": title,
                    "summary": summary,
                    "published": (start + timedelta(days=rng.randrange(span))).isoformat(),
                    "relevant": False,
                    "category": None,
                    "kind": None,
                    "noise": noise,
                }
            )
    rng.shuffle(rows)
    for index, (kind, source, published, title, summary) in enumerate(RELEVANT):
        rows.insert(
            (index + 1) * len(rows) // (len(RELEVANT) + 1),
            {
                "source": source,
                "lang": "en",
                "title": title,
                "summary": summary,
                "published": published,
                "relevant": True,
                "category": _category(kind),
                "kind": kind,
                "noise": None,
            },
        )
    return [{"id": f"gen-{n:04d}", **row} for n, row in enumerate(rows, 1)]


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} items to {OUT}")


if __name__ == "__main__":
    main()
