"""Ingestion benchmark: items per second through parse-sanitise-dedup-flag vs feedparser.parse alone.

Run: `.venv/bin/python -m bench.ingestion` (see `--help`). No database and no network: it measures the CPU path
every new item takes in a worker (sources.feeds.pipeline.feed_process: feedparser on the bytes, nh3 on every text,
dedup keys and story signatures, flagging with the default watch-list), against feedparser.parse with its
default options on the same bytes, in the same process, alternating which goes first in each round. Storing
items (database writes) is not part of either figure.

The feeds: `--feeds` generated feeds (RSS 2.0, Atom and RSS 1.0, 10-40 items each, a few paragraphs of HTML
per item with links, images and the odd script; about a quarter of the items about chips, AI or export
controls, one in ten in Chinese) plus the sample feeds, the shared development set and the held-out set.

Also reported, for transparency: the pipeline's own parse step runs feedparser with its HTML passes off (its
sanitiser and its relative-URI resolution; nh3 does both), so the run also times the pipeline with them on.

Timing: every feed is timed by each method back to back (the order rotating), in every round, and a feed's
time for a method is its best over the rounds; the ratio of the median round totals is reported beside it.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "ingestion.json"

DOMAIN = [
    "The Commerce Department added {n} Chinese companies to the Entity List on {date}, citing their support for "
    "military supercomputers.",
    "{company} said it would spend {n} billion dollars on AI data centers over the next three years.",
    "Researchers at {lab} released a {n}B-parameter open-weights reasoning model that tops coding benchmarks.",
    "{company} shares fell {n}% after the company warned that export controls would cut its China revenue.",
    "Prosecutors charged two men with smuggling Nvidia H100 servers to China through a shell company.",
    "SMIC has started volume production on a 5nm-class process, people familiar with the matter said.",
    "The Dutch government widened licence requirements for ASML's immersion lithography machines.",
    "{company} placed orders for {n},000 Nvidia H20 GPUs, according to two people briefed on the deal.",
    "SK Hynix began mass production of 12-layer HBM3E memory for AI accelerators.",
    "BIS published an interim final rule that tightens controls on advanced computing chips.",
]
DOMAIN_ZH = [
    "美国商务部宣布将{n}家中国实体列入实体清单，其中包括多家人工智能芯片企业。",
    "{lab}发布新一代大模型，并宣布开源模型权重。",
    "据报道，{company}计划今年采购{n}万块英伟达GPU，用于训练大模型。",
    "中芯国际7纳米工艺良率据称提升至{n}%左右。",
]
GENERAL = [
    "The city council approved a new budget for road repairs after a long debate on {date}.",
    "Heavy rain is expected across the region this weekend, forecasters said.",
    "The football club confirmed the signing of a {n}-year-old midfielder from a rival team.",
    "A local bakery won a regional award for its sourdough, its fourth in {n} years.",
    "Museum visitors can see more than {n} paintings in the new exhibition, which opens on {date}.",
    "The chip shop on the harbour front celebrated its {n}th anniversary with free portions of fish and chips.",
    "Mortgage rates held steady as the central bank kept its benchmark rate unchanged.",
    "The fashion model launched a clothing line inspired by 1970s tailoring.",
    "Officials extended export controls on rice after a poor harvest, the agriculture ministry said.",
    "Customs officers seized {n} million smuggled cigarettes hidden in a lorry.",
    "Streaming subscribers rose by {n} percent in the quarter as the service added new shows.",
    "The university announced {n} new scholarships for engineering students.",
]
GENERAL_ZH = [
    "北京各大庙会今年春节共接待游客超过{n}百万人次。",
    "球队在主场以二比零击败对手，保留了出线希望。",
    "气象台预计本周末全市有中到大雨，气温将下降{n}度左右。",
    "市政府宣布新建{n}条公交线路，方便市民出行。",
]
COMPANIES = ["Nvidia", "Alibaba", "Tencent", "ByteDance", "Huawei", "Baidu", "Micron", "AMD", "Cambricon", "Meta"]
LABS = ["DeepSeek", "Moonshot AI", "Zhipu AI", "Mistral", "OpenAI", "Qwen", "深度求索", "智谱"]
DATES = ["January 20, 2025", "Monday", "March 2024", "Oct. 7", "2023年10月17日", "last week"]


def _sentence(pool: list[str], rng: random.Random) -> str:
    return rng.choice(pool).format(
        n=rng.randint(2, 90), date=rng.choice(DATES), company=rng.choice(COMPANIES), lab=rng.choice(LABS)
    )


def _item_html(rng: random.Random, domain: bool) -> tuple[str, str]:
    chinese = rng.random() < 0.1  # an item is in one language
    pool = (DOMAIN_ZH if chinese else DOMAIN) if domain else (GENERAL_ZH if chinese else GENERAL)
    background = GENERAL_ZH if chinese else GENERAL
    title = _sentence(pool, rng).split(",")[0].rstrip(".")[:110]
    paragraphs = []
    for _ in range(rng.randint(2, 5)):
        sentences = " ".join(
            _sentence(pool if rng.random() < 0.7 else background, rng) for _ in range(rng.randint(2, 4))
        )
        extra = rng.random()
        if extra < 0.3:
            sentences += f' <a href="https://news.example.com/story/{rng.randint(1, 10**6)}?utm_source=rss">More</a>'
        elif extra < 0.4:
            sentences += ' <img src="https://cdn.example.com/p.jpg" onerror="alert(1)" alt="photo">'
        elif extra < 0.45:
            sentences += "<script>track()</script>"
        paragraphs.append(f"<p>{sentences}</p>")
    return title, "".join(paragraphs)


def generated_feed(number: int, rng: random.Random) -> bytes:
    kind = rng.choices(["rss20", "atom", "rss10"], weights=[6, 3, 1])[0]
    items = []
    for index in range(rng.randint(10, 40)):
        title, html = _item_html(rng, domain=rng.random() < 0.25)
        guid = f"https://news{number}.example.com/{index}"
        day = 1 + index % 28
        items.append((guid, title, html, day))
    if kind == "atom":
        entries = "".join(
            f"<entry><title>{escape(t)}</title><link href='{g}?utm_medium=feed'/><id>{g}</id>"
            f"<updated>2025-02-{d:02d}T08:00:00Z</updated><content type='html'>{escape(h)}</content></entry>"
            for g, t, h, d in items
        )
        return (
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>Feed {number}</title><id>urn:feed:{number}</id><updated>2025-02-28T00:00:00Z</updated>"
            f"{entries}</feed>"
        ).encode()
    if kind == "rss10":
        entries = "".join(
            f"<item rdf:about='{g}'><title>{escape(t)}</title><link>{g}</link><description>{escape(h)}</description>"
            f"<dc:date>2025-02-{d:02d}T08:00:00Z</dc:date></item>"
            for g, t, h, d in items
        )
        return (
            "<?xml version='1.0' encoding='utf-8'?><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'"
            " xmlns='http://purl.org/rss/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
            f"<channel rdf:about='urn:feed:{number}'><title>Feed {number}</title><link>https://news{number}.example.com/"
            f"</link><description>d</description></channel>{entries}</rdf:RDF>"
        ).encode()
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{g}?utm_source=rss</link><guid>{g}</guid>"
        f"<pubDate>{d:02d} Feb 2025 08:00:00 +0000</pubDate><description>{escape(h)}</description></item>"
        for g, t, h, d in items
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Feed {number}</title>"
        f"<link>https://news{number}.example.com/</link><description>d</description>{entries}</channel></rss>"
    ).encode()


def corpus(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    feeds = [generated_feed(number, rng) for number in range(count)]
    extra = [
        *sorted((ROOT / "sources" / "samples").glob("*.[xra][mdt]*")),
        ROOT / "tests/sources/heldout/heldout-feed.xml",
    ]
    shared = Path(__file__).resolve().parents[2] / "shared" / "flagging" / "dev-feed.xml"
    if shared.exists():
        extra.append(shared)
    return feeds + [path.read_bytes() for path in extra if path.suffix in {".xml", ".rdf", ".atom"}]


def _timed(run: Callable[[], int], *, collect: bool = True) -> tuple[float, int]:
    if collect:
        gc.collect()
    started = time.perf_counter()
    items = run()
    return time.perf_counter() - started, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=240, help="generated feeds (plus the samples and labelled sets)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--no-output", action="store_true", help="do not write bench/results/ingestion.json")
    parser.add_argument("--rules-only", action="store_true", help="flag with the rules alone (no learned model)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import feedparser

    import sources.feeds.parsing as parsing
    from sources.feeds.pipeline import feed_process
    from sources.flagging.rules import default_rules
    from sources.flagging.selectors import shipped_model

    feeds = corpus(args.feeds, args.seed)
    rules = default_rules()
    # The learned flagger as a fresh install runs it (the shipped model), unless --rules-only.
    current = None if args.rules_only else shipped_model()
    load_start = os.getloadavg()[0]

    def baseline(body: bytes) -> int:
        return len(feedparser.parse(io.BytesIO(body)).entries)

    def pipeline(body: bytes) -> int:
        return len(feed_process(body, rules=rules, current=current)[1])

    def pipeline_with_feedparser_html_passes(body: bytes) -> int:
        parsing.FEEDPARSER_SANITIZE = parsing.FEEDPARSER_RESOLVE_URIS = True
        try:
            return pipeline(body)
        finally:
            parsing.FEEDPARSER_SANITIZE = parsing.FEEDPARSER_RESOLVE_URIS = False

    runs: dict[str, Callable[[bytes], int]] = {
        "feedparser": baseline,
        "pipeline": pipeline,
        "pipeline_feedparser_html_passes": pipeline_with_feedparser_html_passes,
    }
    for body in feeds:  # warm up: imports, compiled rules, caches
        for run in runs.values():
            run(body)
    flagged = sum(
        1
        for body in feeds
        for entry in feed_process(body, rules=rules, current=current)[1]
        if entry.flag and entry.flag.flagged
    )
    counts = {name: sum(run(body) for body in feeds) for name, run in runs.items()}
    # Each feed is timed by every method back to back, in an order that rotates, in every round; a feed's time
    # for a method is its best over the rounds. On a shared machine that keeps other processes' bursts out of
    # the comparison instead of charging them to whichever method was running.
    best: dict[str, list[float]] = {name: [float("inf")] * len(feeds) for name in runs}
    totals: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for number in range(args.rounds):
        round_total = dict.fromkeys(runs, 0.0)
        for index, body in enumerate(feeds):
            order = names[(number + index) % len(names) :] + names[: (number + index) % len(names)]
            for name in order:
                seconds, _ = _timed(lambda run=runs[name], body=body: run(body), collect=False)
                best[name][index] = min(best[name][index], seconds)
                round_total[name] += seconds
        for name in runs:
            totals[name].append(round_total[name])
    seconds = {name: sum(values) for name, values in best.items()}
    rates = {name: counts[name] / seconds[name] for name in runs}
    median_rates = {name: counts[name] / statistics.median(values) for name, values in totals.items()}
    result = {
        "what": "items per second: sources.feeds.pipeline.feed_process (parse+sanitise+dedup+flag) vs feedparser.parse",
        "method": "each feed timed by each method back to back, order rotating; per feed the best of the rounds",
        "feeds": len(feeds),
        "items": counts["feedparser"],
        "items_through_pipeline": counts["pipeline"],
        "items_flagged": flagged,
        "learned_model": current.sha256 if current is not None else "",
        "rounds": args.rounds,
        "feedparser_items_per_second": round(rates["feedparser"], 1),
        "pipeline_items_per_second": round(rates["pipeline"], 1),
        "ratio": round(rates["pipeline"] / rates["feedparser"], 3),
        "pipeline_with_feedparser_html_passes_items_per_second": round(rates["pipeline_feedparser_html_passes"], 1),
        "ratio_with_feedparser_html_passes": round(rates["pipeline_feedparser_html_passes"] / rates["feedparser"], 3),
        "ratio_of_median_round_totals": round(median_rates["pipeline"] / median_rates["feedparser"], 3),
        "round_totals_seconds": {name: [round(v, 3) for v in values] for name, values in totals.items()},
        "python": platform.python_version(),
        "feedparser": feedparser.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_start_end": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": args.seed,
    }
    print(
        f"{result['feeds']} feeds, {result['items']} items ({flagged} flagged), best of {args.rounds} rounds per feed"
    )
    print(f"  feedparser.parse alone            {result['feedparser_items_per_second']:>9,.0f} items/s")
    print(
        f"  parse+sanitise+dedup+flag         {result['pipeline_items_per_second']:>9,.0f} items/s  "
        f"ratio {result['ratio']:.2f}  (median round totals: {result['ratio_of_median_round_totals']:.2f})"
    )
    print(
        f"  same, feedparser's HTML passes on {result['pipeline_with_feedparser_html_passes_items_per_second']:>9,.0f}"
        f" items/s  ratio {result['ratio_with_feedparser_html_passes']:.2f}"
    )
    if counts["pipeline"] != counts["feedparser"]:
        print(f"  note: {counts['feedparser'] - counts['pipeline']} exact repeats dropped by dedup")
    if not args.no_output:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
        print(f"  written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
