"""Which items of a file to train or tune on come too close to a title that is measured on.

    .venv/bin/python -m sources.training.check_overlap sources/training/noise_tuning.jsonl [--dev-labels PATH]

An item is too close when more than 40% of its title's character trigrams (lower-cased, punctuation and spaces
squeezed) occur in one title of a set measured on: eval.jsonl, general_news.jsonl, shifted.jsonl's held-out part,
the rule set's held-out feeds (tests/sources/heldout*) and, given its path, the team's development set. Only the
ids of the checked file's items are printed, never the measured titles, so whoever writes training data does not
see what it is measured on.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LIMIT = 0.4


def trigrams(title: str) -> set[str]:
    text = " ".join(re.sub(r"[^\w]+", " ", title.lower()).split())
    return {text[i : i + 3] for i in range(max(0, len(text) - 2))}


def measured_titles(dev_labels: Path | None) -> list[str]:
    titles: list[str] = []
    for name in ("eval", "general_news", "shifted"):
        for line in (HERE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if name != "shifted" or row.get("split") == "heldout":
                titles.append(row["title"])
    paths = sorted((ROOT / "tests" / "sources").glob("heldout*/heldout*-labels.json"))
    if dev_labels is not None:
        paths.append(dev_labels)
    for path in paths:
        titles.extend(item["title"] for item in json.loads(path.read_text(encoding="utf-8"))["items"])
    return titles


def too_close(rows: list[dict[str, object]], measured: list[str]) -> list[str]:
    grams = [trigrams(title) for title in measured]
    close = []
    for row in rows:
        mine = trigrams(str(row["title"]))
        if mine and any(len(mine & theirs) / len(mine) > LIMIT for theirs in grams):
            close.append(str(row["id"]))
    return close


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--dev-labels", type=Path)
    args = parser.parse_args()
    rows = [json.loads(line) for line in Path(args.path).read_text(encoding="utf-8").splitlines() if line.strip()]
    close = too_close(rows, measured_titles(args.dev_labels))
    print(f"{len(close)} of {len(rows)} items too close to a title measured on: {' '.join(close)}")


if __name__ == "__main__":
    main()
