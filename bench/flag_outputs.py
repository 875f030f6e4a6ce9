"""Dump what flagging gives for many items, to show that a change meant to be faster changes no output.

Run on one commit with `--save old.json`, on the other with `--compare old.json`: it runs the ingestion path
(sources.feeds.pipeline.feed_process, with the shipped model and with the rules alone) over the ingestion
benchmark's generated feeds and every committed feed, and flag_items over the seed and noise-tuning sets' items,
each also upper-cased, lower-cased, shuffled and spelt with odd characters; for those items it also records the
lexicon's mentions and the model's n-gram matrices. Every record is the full output as canonical JSON (flags,
scores, categories, kinds, reasons, dates, entities, dedup keys), compared byte for byte. Nothing is tuned on it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BATCH = 37  # items per flag_items call: a feed's worth


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr, ensure_ascii=False)


def _variants(title: str, summary: str, rng: random.Random) -> Iterator[tuple[str, str]]:
    yield title, summary
    yield title.upper(), summary.lower()
    yield title.lower(), summary.upper()
    words = f"{title} {summary}".split()
    rng.shuffle(words)
    yield " ".join(words[:12]), " ".join(words[12:])
    # Characters whose lower case is ASCII or two characters long, doubled spaces, lines, glued versions.
    odd = title.replace(" ", "  ").replace("a", "\u212a").replace("i", "\u0130")
    yield odd, summary.replace(" ", ".\n") + " Qwen3 H100s GPT-5 Moonshot-AI deepseek"


def records() -> list[str]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench.ingestion import corpus
    from sources.feeds.pipeline import feed_process
    from sources.flagging.combined import ItemText, flag_items
    from sources.flagging.learned import char_texts, item_text
    from sources.flagging.rules import default_rules
    from sources.flagging.selectors import shipped_model

    rules, current = default_rules(), shipped_model()
    model = current.model
    out: list[str] = []
    bodies = corpus(240, 4) + corpus(120, 11)[:120] + corpus(120, 12)[:120]
    bodies += [path.read_bytes() for path in sorted((ROOT / "tests" / "sources").glob("heldout*/*.xml"))]
    bodies += [path.read_bytes() for path in sorted((ROOT / "sources" / "samples").iterdir())]
    for number, body in enumerate(bodies):
        for model_or_none in (current, None):
            try:
                _, entries = feed_process(body, rules=rules, current=model_or_none)
            except Exception as error:  # a body that is no feed: its error is the output
                out.append(f"feed {number}: {error!r}")
                continue
            for entry in entries:
                flag = dataclasses.asdict(entry.flag) if entry.flag is not None else None
                shown = [number, model_or_none is None, entry.dedup_key, sorted(entry.tokens), entry.story_keys]
                out.append(_canonical([*shown, dataclasses.asdict(entry.entry), flag]))
    print(f"{len(bodies)} feeds: {len(out)} entry records (with the model and with the rules alone)")

    rng = random.Random(0)
    items = []
    for name in ("seed.jsonl", "noise_tuning.jsonl"):
        for line in (ROOT / "sources" / "training" / name).read_text().splitlines():
            row = json.loads(line)
            items += [ItemText(t, s) for t, s in _variants(row["title"], row.get("summary") or "", rng)]
    word, char = model.transforms()
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        for model_or_none in (current, None):
            for item, flag in zip(batch, flag_items(batch, rules=rules, current=model_or_none), strict=True):
                shown = [item.title, item.summary, model_or_none is None]
                out.append(_canonical([*shown, dataclasses.asdict(flag)]))
        texts = [item_text(item.title, item.summary) for item in batch]
        if model.lexicon is not None:
            out += [_canonical(model.lexicon.mentions(text)) for text in texts]
            annotated, columns = model.lexicon.read(texts)
            out.append(_canonical([annotated, columns.tolist()]))
        else:
            annotated = texts
        for matrix in (word(annotated), char(char_texts(texts))):
            out.append(repr((matrix.indptr.tolist(), matrix.indices.tolist(), matrix.data.tolist())))
    print(f"{len(items)} text items; {len(out)} records in all")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--save", type=Path, help="write this commit's records here")
    which.add_argument("--compare", type=Path, help="compare this commit's records with those saved here")
    args = parser.parse_args()
    found = records()
    if args.save:
        args.save.write_text(json.dumps(found))
        return
    saved = json.loads(args.compare.read_text())
    differ = [index for index, (old, new) in enumerate(zip(saved, found, strict=False)) if old != new]
    print(f"records: {len(saved)} saved, {len(found)} now; {len(differ)} differ")
    for index in differ[:5]:
        print(f"- {saved[index][:1000]}\n+ {found[index][:1000]}")
    if differ or len(saved) != len(found):
        sys.exit(1)


if __name__ == "__main__":
    main()
