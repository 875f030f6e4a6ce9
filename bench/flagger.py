"""Learned-flagger figures, each measured on a set the model never trained on, and what training costs.

Run: `.venv/bin/python -m bench.flagger [--dev-feed FEED.xml --dev-labels LABELS.json]` (see `--help`). No database
and no network. Prints and writes bench/results/flagger.json:

- the shipped model (built from sources/training/seed.jsonl by `train_flagger --seed-only --output`) on
  eval.jsonl (precision, recall, category accuracy of the flagged relevant items), on general_news.jsonl (noise
  flags per 1,000 non-relevant items) and, given its paths, on a labelled feed such as the team's development set
  (scored like /work/shared/flagging/score.py: the feed goes through the same parse and flag code as flag_feed);
- the learning curve: seed alone, then seed + 50 and seed + 200 "decisions" drawn (fixed random seed) from the
  `train` part of shifted.jsonl, each measured on its `heldout` part;
- training time on 5,000 labelled items: seed.jsonl replicated with light perturbation (a number changed and an
  outlet tag appended per copy, so the copies are not identical texts) up to 5,000, cross-validation included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "flagger.json"
TRAINING = ROOT / "sources" / "training"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-feed", help="a labelled feed to measure on (never trained on)")
    parser.add_argument("--dev-labels", help="its labels, shaped like dev-labels.json")
    parser.add_argument("--training-items", type=int, default=5000)
    parser.add_argument("--no-output", action="store_true", help="do not write bench/results/flagger.json")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from sources.flagging.combined import CurrentModel, ItemText, flag_items
    from sources.flagging.learned import Example
    from sources.flagging.rules import default_rules
    from sources.flagging.scoring import flag_text
    from sources.flagging.selectors import labelled_file, shipped_model
    from sources.flagging.services import labelled_feed_examples
    from sources.flagging.training import model_train

    rules = default_rules()
    shipped = shipped_model()
    assert shipped is not None, "the shipped model is missing"

    def measure(current: CurrentModel, examples: list[Example]) -> dict[str, Any]:
        flags = flag_items([ItemText(e.title, e.summary) for e in examples], rules=rules, current=current)
        pairs = list(zip(examples, flags, strict=True))
        true = sum(1 for e, f in pairs if e.relevant and f.flagged)
        flagged = sum(1 for _, f in pairs if f.flagged)
        relevant = sum(1 for e, _ in pairs if e.relevant)
        noise = [e for e, f in pairs if f.flagged and not e.relevant]
        right = sum(1 for e, f in pairs if e.relevant and f.flagged and f.category == e.category)
        return {
            "items": len(examples),
            "relevant": relevant,
            "precision": round(true / flagged, 4) if flagged else 0.0,
            "recall": round(true / relevant, 4) if relevant else 0.0,
            "category_accuracy": round(right / true, 4) if true else 0.0,
            "noise_flags": len(noise),
            "noise_flags_per_1000": round(1000 * len(noise) / max(1, len(examples) - relevant), 2),
            "noise_titles": [e.title for e in noise][:10],
        }

    def train(examples: list[Example]) -> tuple[CurrentModel, float]:
        results = [flag_text(title=e.title, summary=e.summary, rules=rules) for e in examples]
        started = time.perf_counter()
        trained = model_train(examples, target_precision=0.95, min_items=40, rule_results=results)
        return CurrentModel("bench", trained.model), time.perf_counter() - started

    result: dict[str, Any] = {"model": shipped.sha256, "threshold": round(shipped.model.threshold, 4)}
    result["eval"] = measure(shipped, labelled_file(TRAINING / "eval.jsonl"))
    result["general_news"] = measure(shipped, labelled_file(TRAINING / "general_news.jsonl"))
    if args.dev_feed and args.dev_labels:
        labels = json.loads(Path(args.dev_labels).read_text(encoding="utf-8"))
        result["dev_set"] = measure(shipped, labelled_feed_examples(Path(args.dev_feed).read_bytes(), labels))
    for name in ("eval", "general_news", "dev_set"):
        if name in result:
            figures = result[name]
            print(
                f"{name:13} items {figures['items']:5}  precision {figures['precision']:.3f}  recall "
                f"{figures['recall']:.3f}  category {figures['category_accuracy']:.3f}  noise flags "
                f"{figures['noise_flags']} ({figures['noise_flags_per_1000']:.2f} per 1,000)"
            )

    # The learning curve.
    seed = labelled_file(TRAINING / "seed.jsonl")
    shifted_train = labelled_file(TRAINING / "shifted.jsonl", split="train")
    heldout = labelled_file(TRAINING / "shifted.jsonl", split="heldout")
    drawn = random.Random(16).sample(shifted_train, len(shifted_train))
    curve = []
    for decisions in (0, 50, 200):
        model = shipped if decisions == 0 else train(seed + drawn[:decisions])[0]
        figures = measure(model, heldout)
        curve.append({"decisions": decisions, **{k: figures[k] for k in ("precision", "recall", "category_accuracy")}})
        print(
            f"learning curve: seed + {decisions:3} decisions -> shifted heldout precision {figures['precision']:.3f}"
            f"  recall {figures['recall']:.3f}  category {figures['category_accuracy']:.3f}"
        )
    result["learning_curve"] = curve

    # Training cost on N labelled items.
    rng = random.Random(5000)
    many = []
    for index in range(args.training_items):
        base = seed[index % len(seed)]
        copy = index // len(seed)
        title = base.title if copy == 0 else f"{base.title} ({rng.choice(['wire', 'desk', 'brief', '快讯'])} {copy})"
        summary = base.summary.replace("2", str(rng.randint(2, 9)), 1) if copy else base.summary
        many.append(Example(title, summary, base.relevant, base.category, base.kind, "bench"))
    _, seconds = train(many)
    result["training"] = {"items": len(many), "seconds_with_cross_validation": round(seconds, 1)}
    print(f"training on {len(many):,} items (5-fold cross-validation and the final fit): {seconds:.1f} s")

    result.update(
        {
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "load_average": round(os.getloadavg()[0], 2),
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    if not args.no_output:
        RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
