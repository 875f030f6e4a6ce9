"""Train the learned flagger on the analysts' decisions and the seed set, gate it, and record it.

Prints the cross-validated precision, recall and category accuracy, the threshold, and the gate's verdict on the
evaluation set. `--feed FEED.xml --labels LABELS.json` adds a labelled feed; `--seed-only --output PATH` writes the
model built from seed.jsonl alone to a file (the recipe of the shipped model) and records nothing. Bad training
data exits non-zero with one line and keeps the current model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sources.feeds.parsing import FeedParseError
from sources.flagging.learned import Example, TrainingError
from sources.flagging.services import flagger_train, labelled_feed_examples


class Command(BaseCommand):
    help = "Train the learned flagger on decisions + seed (+ a labelled feed), gate it on eval.jsonl, record it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--feed", help="a labelled feed to train on as well (with --labels)")
        parser.add_argument("--labels", help="its labels, shaped like dev-labels.json")
        parser.add_argument("--seed-only", action="store_true", help="train on seed.jsonl alone (no decisions)")
        parser.add_argument(
            "--feed-only", action="store_true", help="train on the labelled feed alone (no seed, no decisions)"
        )
        parser.add_argument("--output", help="write the model to this file and record nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        extra = self._labelled_feed(options.get("feed"), options.get("labels"))
        output = options.get("output")
        try:
            outcome = flagger_train(
                extra=extra,
                use_seed=not options["feed_only"],
                use_decisions=not (options["seed_only"] or options["feed_only"]),
                record=not output,
                actor="train_flagger",
            )
        except TrainingError as error:
            raise CommandError(f"train_flagger: {error}; the current model is kept") from error
        data = outcome.data
        cv, gate = data["cross_validated"], data["gate"]
        self.stdout.write(
            f"trained on {data['training_items']} items ({data['training_relevant']} relevant; "
            + ", ".join(f"{name} {count}" for name, count in data["training_sources"].items())
            + f"), training set {data['training_hash'][:12]}"
        )
        self.stdout.write(
            f"cross-validated: precision {cv['precision']:.3f}, recall {cv['recall']:.3f}, "
            f"category accuracy {cv['category_accuracy']:.3f}"
        )
        self.stdout.write(f"threshold {data['threshold']:.3f} for target precision {data['target_precision']:.3f}")
        new = gate["new"]
        line = f"evaluation set: precision {new['precision']:.3f}, recall {new['recall']:.3f}, "
        line += f"category accuracy {new['category_accuracy']:.3f}"
        if gate["current"] is not None:
            current = gate["current"]
            line += f" (current {gate['current_sha256'][:12]}: {current['precision']:.3f}, {current['recall']:.3f})"
        self.stdout.write(line)
        if output:
            Path(output).write_bytes(outcome.blob)
            Path(output).with_suffix(".sha256").write_text(f"{data['sha256']}\n")
            self.stdout.write(f"model {data['sha256'][:12]} ({data['size']:,} bytes) written to {output}")
        elif not outcome.recorded:
            self.stdout.write(f"model {data['sha256'][:12]} is the current model already: nothing recorded")
        else:
            verdict = "accepted" if data["accepted"] else "NOT accepted"
            self.stdout.write(f"model {data['sha256'][:12]} ({data['size']:,} bytes) {verdict}: {data['reason']}")

    def _labelled_feed(self, feed: str | None, labels: str | None) -> list[Example]:
        if not feed and not labels:
            return []
        if not feed or not labels:
            raise CommandError("train_flagger: --feed and --labels go together")
        try:
            body = Path(feed).read_bytes()
            label_data = json.loads(Path(labels).read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"train_flagger: cannot read {error.filename}: {error.strerror}") from error
        except json.JSONDecodeError as error:
            raise CommandError(f"train_flagger: {labels} is not JSON ({error.msg}, line {error.lineno})") from error
        if not isinstance(label_data, dict) or not isinstance(label_data.get("items"), list):
            raise CommandError(f'train_flagger: {labels} has no "items" list')
        try:
            examples = labelled_feed_examples(body, label_data)
        except FeedParseError as error:
            raise CommandError(f"train_flagger: {feed}: {error}") from error
        if not examples:
            raise CommandError(f"train_flagger: no entry of {feed} has a label in {labels}")
        return examples
