"""The learned flagger: training on decisions, the gate, bad data, storage by sha256, flag_feed's contract.

Hits the real test database (SQLite or PostgreSQL); no server is started. Trainings that include the seed set take
a few seconds each, so the tests that need them share one module-scoped trained baseline where they can.
"""

from __future__ import annotations

import json
import random
from io import StringIO
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.core.management import CommandError, call_command

from events.models import StoredEvent
from sources.flagging.combined import ItemText, flag_items
from sources.flagging.learned import Example, TrainingError, model_from_bytes, model_sha256
from sources.flagging.rules import default_rules
from sources.flagging.selectors import FLAGGER_STREAM, flagger_current, shipped_model
from sources.flagging.services import flagger_train
from sources.models import Candidate, FlaggerModel, Item, Source
from sources.review import services as review

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "sources" / "flagging" / "flag_feed.schema.json").read_text())
SAMPLES = ROOT / "sources" / "samples"


def _candidate(title: str, summary: str = "") -> Candidate:
    source, _ = Source.objects.get_or_create(url="https://news.example.org/feed", defaults={"host": "news.example.org"})
    item = Item.objects.create(source=source, dedup_key=title[:64], title=title, summary=summary)
    return Candidate.objects.create(item=item, score=5.0)


def _promote(title: str, summary: str, *, category: str, kind: str) -> None:
    candidate = _candidate(title, summary)
    review.candidate_promote(
        candidate_id=candidate.pk,
        development={"title": title, "date": "2025-03", "category": category, "kind": kind},
        citation={
            "title": title,
            "url": f"https://news.example.org/{candidate.pk}",
            "reliability": "B",
            "credibility": "2",
        },
        actor="analyst",
    )


def _score(title: str, summary: str = "") -> Any:
    current = flagger_current()
    assert current is not None
    return flag_items([ItemText(title, summary)], rules=default_rules(), current=current)[0]


def _small_set(flip: bool = False) -> list[Example]:
    """Forty-odd labelled items in both languages (flipped: every label wrong, a model worse than any other)."""
    relevant = [
        ("BIS adds 12 Chinese chip firms to the Entity List", "government"),
        ("Nvidia unveils new AI accelerator for data centres", "technology"),
        ("DeepSeek releases open-weights reasoning model", "technology"),
        ("SMIC starts 5nm volume production", "technology"),
        ("Alibaba orders 20,000 Nvidia H20 GPUs", "gpu_acquisition"),
        ("Huawei raises prices of Ascend chips", "corporate"),
        ("美国商务部将多家中国芯片企业列入实体清单", "government"),
        ("深度求索发布新一代开源大模型", "technology"),
        ("中芯国际七纳米良率提升", "technology"),
        ("字节跳动采购数万块英伟达GPU", "gpu_acquisition"),
        ("Prosecutors charge two men with smuggling Nvidia GPUs to China", "government"),
        ("ASML licence rules tightened by the Dutch government", "government"),
        ("Moonshot AI updates Kimi model", "technology"),
        ("Tencent buys Nvidia servers for AI training", "gpu_acquisition"),
        ("Cambricon shares jump on AI chip orders", "corporate"),
        ("Zhipu AI raises new funding round", "corporate"),
        ("华为发布昇腾新芯片", "technology"),
        ("智谱完成新一轮融资", "corporate"),
        ("Micron opens HBM plant", "technology"),
        ("Commerce publishes interim final rule on AI chips", "government"),
    ]
    noise = [
        "City council approves road budget",
        "Football club signs midfielder",
        "Bakery wins sourdough award",
        "Heavy rain expected this weekend",
        "Museum opens new exhibition",
        "Chip shop celebrates anniversary",
        "Fashion model launches clothing line",
        "Export controls on rice extended",
        "Mortgage rates hold steady",
        "University announces scholarships",
        "北京庙会接待游客",
        "球队主场获胜",
        "气象台预计周末有雨",
        "市政府新建公交线路",
        "How to fine-tune a language model on your laptop",
        "Privacy regulator fines retailer",
        "Political rally draws thousands",
        "Gaming GPU review: the best card for 1440p",
        "Bond yields rise on inflation data",
        "Oil sanctions tighten supply",
        "Potato chips maker raises prices",
        "Streaming service adds new shows",
    ]
    examples = [Example(title, "", not flip, category if not flip else "", "", "test") for title, category in relevant]
    examples += [Example(title, "", flip, "technology" if flip else "", "", "test") for title in noise]
    return examples


def test_the_shipped_model_scores_before_any_decision_and_matches_its_sha256(db: None) -> None:
    current = flagger_current()
    assert current is not None and current == shipped_model()
    blob = (ROOT / "sources" / "flagging" / "seed_model.bin").read_bytes()
    assert len(blob) < 5 * 1024 * 1024 and model_sha256(blob) == current.sha256
    with pytest.raises(ValueError, match="does not match"):
        model_from_bytes(blob + b"x", sha256=current.sha256)
    flag = _score("BIS adds 30 Chinese AI chip firms to the Entity List", "The rule takes effect on Friday.")
    assert flag.flagged and flag.model == current.sha256 and flag.category == "government"
    assert any(reason["role"] == "entity" for reason in flag.reasons), "the rules that fired are listed"
    assert any(reason["role"] == "model" and reason["field"] in {"word", "characters"} for reason in flag.reasons)
    assert not _score("Bakery wins regional award for its sourdough").flagged


def test_flag_feed_output_validates_against_its_contract(db: None) -> None:
    out = StringIO()
    call_command("flag_feed", str(SAMPLES / "export-controls.xml"), "--jsonl", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows and any(row["flagged"] for row in rows)
    for row in rows:
        jsonschema.validate(row, SCHEMA)
        assert row["model"] == flagger_current().sha256  # type: ignore[union-attr]
    broken = dict(rows[0], flagged="yes")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_bad_training_data_gives_a_clear_error_and_keeps_the_model(db: None, tmp_path: Path, settings: Any) -> None:
    settings.FLAGGER_MIN_TRAINING_ITEMS = 10
    before = flagger_current()
    with pytest.raises(TrainingError, match="all 20 items are relevant"):
        flagger_train(extra=_small_set()[:20], use_seed=False, use_decisions=False)
    with pytest.raises(TrainingError, match="only 5 labelled items"):
        flagger_train(extra=_small_set()[:5], use_seed=False, use_decisions=False)
    english = [example for example in _small_set() if example.title.isascii()]
    with pytest.raises(TrainingError, match="in English: both languages are needed"):
        flagger_train(extra=english, use_seed=False, use_decisions=False)
    # The command says so in one line and exits non-zero.
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<rss version="2.0"><channel><title>t</title>'
        + "".join(f"<item><guid>g{i}</guid><title>Item {i}</title></item>" for i in range(3))
        + "</channel></rss>"
    )
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"items": [{"guid": f"g{i}", "link": "", "relevant": True} for i in range(3)]}))
    with pytest.raises(CommandError, match=r"^train_flagger: only 3 labelled items.*the current model is kept$"):
        call_command("train_flagger", "--feed", str(feed), "--labels", str(labels), "--feed-only")
    assert not StoredEvent.objects.filter(stream=FLAGGER_STREAM).exists()
    assert flagger_current() == before


def test_a_model_that_fails_the_gate_is_not_used(db: None) -> None:
    before = flagger_current()
    assert before is not None
    outcome = flagger_train(extra=_small_set(flip=True), use_seed=False, use_decisions=False)
    event = StoredEvent.objects.get(stream=FLAGGER_STREAM)
    assert event.event_type == "FlaggerTrained" and event.data["sha256"] == outcome.data["sha256"]
    assert event.data["accepted"] is False and event.data["reason"].startswith("kept out: worse on the evaluation set")
    assert event.data["gate"]["current_sha256"] == before.sha256
    assert FlaggerModel.objects.filter(pk=outcome.data["sha256"]).exists(), "kept, so its verdict can be checked"
    assert flagger_current() == before
    assert _score("BIS adds 30 Chinese AI chip firms to the Entity List").model == before.sha256


def test_a_model_that_passes_the_gate_is_stored_by_sha256_and_used(db: None, settings: Any) -> None:
    settings.FLAGGER_GATE_TOLERANCE = 1.0  # a small model, far worse than the shipped one: let it in for this test
    outcome = flagger_train(extra=_small_set(), use_seed=False, use_decisions=False)
    event = StoredEvent.objects.get(stream=FLAGGER_STREAM)
    assert event.data["accepted"] is True and event.data["training_items"] == 42
    assert set(event.data["cross_validated"]) >= {"precision", "recall", "category_accuracy"}
    assert len(event.data["curve"]) == 19 and event.data["threshold"] == outcome.data["threshold"]
    stored = FlaggerModel.objects.get(pk=event.data["sha256"])
    assert model_sha256(bytes(stored.blob)) == stored.pk
    current = flagger_current()
    assert current is not None and current.sha256 == stored.pk
    # The same data makes the same model: training again records nothing new.
    again = flagger_train(extra=list(reversed(_small_set())), use_seed=False, use_decisions=False)
    assert again.data["sha256"] == stored.pk and not again.recorded
    assert StoredEvent.objects.filter(stream=FLAGGER_STREAM).count() == 1


BENCHMARK_POSTS = [
    ("Our benchmark of Nvidia H200 versus AMD MI300X on Llama inference", "Tokens per second at several batch sizes."),
    ("Benchmarking Huawei Ascend 910B for LLM serving: lab notes", "We measured throughput across batch sizes."),
    ("Lab notes: Nvidia L40S against H100 for Qwen inference", "Latency and tokens per second from our tests."),
    ("We benchmarked DeepSeek V3 on eight Nvidia H20 cards", "Our numbers for prefill and decode throughput."),
    ("Benchmark diary: Mistral models on AMD MI300X", "Tokens per second, power draw and our settings."),
    ("Benchmarking Llama 3 on Nvidia B200: what our tests showed", "Throughput at batch sizes from 1 to 64."),
]
TRAINING_HALL_DEALS = [
    ("Ferrow Dynamics signs ten-year power deal for Ohio training hall", "The hall will house training clusters."),
    ("Harbourline leases a training hall to Vantor for training runs", "The deal covers 300 megawatts."),
    ("Quillon signs power deal for a Nevada training hall", "It will run its model training there."),
    ("Brightwater leases Arizona training hall for AI training", "The site draws 500 megawatts."),
    ("Osprey Cloud signs power deal for new Georgia training hall", "Training clusters move in next year."),
    ("Kestrel leases a training hall in Texas for training runs", "The lease covers 200 megawatts."),
]


def test_rejecting_a_kind_of_noise_lowers_the_score_of_similar_items_after_retraining(db: None) -> None:
    unseen = ("Our benchmark notes: Nvidia H100 versus Huawei Ascend for Qwen serving", "Tokens per second.")
    before = _score(*unseen)
    assert before.flagged, "the seed model takes benchmark posts that name chips for news"
    for title, summary in BENCHMARK_POSTS:
        review.candidate_reject(candidate_id=_candidate(title, summary).pk, reason="a benchmark blog post", actor="ana")
    outcome = flagger_train()
    assert outcome.data["accepted"], outcome.data["reason"]
    assert outcome.data["training_sources"]["decision"] == len(BENCHMARK_POSTS)
    after = _score(*unseen)
    assert after.model == outcome.data["sha256"] != before.model
    assert after.score < before.score - 1.0


def test_a_missed_kind_of_item_is_flagged_after_a_few_promotes(db: None) -> None:
    unseen = (
        "Alder Systems signs power deal for a training hall in Ohio",
        "Its training clusters move in next spring.",
    )
    # Compute-campus deals were the missed kind until the seed set's third round taught them (data-centre buyers
    # and campuses); "training hall" is worded so that no seed item covers it.
    assert not _score(*unseen).flagged, "the seed model misses training-hall deals"
    for title, summary in TRAINING_HALL_DEALS:
        _promote(title, summary, category="corporate", kind="investment")
    outcome = flagger_train()
    assert outcome.data["accepted"], outcome.data["reason"]
    after = _score(*unseen)
    assert after.flagged and after.model == outcome.data["sha256"] and after.category == "corporate"


def test_the_learning_curve_rises_with_decisions_on_differently_worded_news(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seed alone, then seed + 50 and seed + 200 "decisions" from shifted.jsonl's train part (drawn in
    bench/flagger.py's fixed random order, and the first 200 in file order), measured on its held-out part."""
    from sources.flagging import training
    from sources.flagging.combined import CurrentModel
    from sources.flagging.scoring import flag_text
    from sources.flagging.selectors import TRAINING_DIR, labelled_file

    monkeypatch.setattr(training, "FOLDS", 3)  # fewer cross-validation fits: the curve, not the figures, is tested
    rules = default_rules()
    seed = labelled_file(TRAINING_DIR / "seed.jsonl")
    decisions = labelled_file(TRAINING_DIR / "shifted.jsonl", split="train")
    heldout = labelled_file(TRAINING_DIR / "shifted.jsonl", split="heldout")

    def figures(examples: list[Example]) -> tuple[float, float]:
        results = [flag_text(title=e.title, summary=e.summary, rules=rules) for e in examples]
        model = training.model_train(examples, target_precision=0.95, min_items=40, rule_results=results).model
        flags = flag_items(
            [ItemText(e.title, e.summary) for e in heldout], rules=rules, current=CurrentModel("t", model)
        )
        true = sum(1 for e, f in zip(heldout, flags, strict=True) if e.relevant and f.flagged)
        flagged = sum(1 for f in flags if f.flagged)
        return true / max(1, flagged), true / sum(1 for e in heldout if e.relevant)

    seed_precision, seed_recall = figures(seed)

    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    # Recall is what the seed model lacks on news worded differently; precision starts at or near 1.0, so it can
    # only be held: it must stay at the editors' default target while recall and F1 rise, already after 50.
    drawn = random.Random(16).sample(decisions, len(decisions))
    for more in (drawn[:50], drawn[:200], decisions[:200]):
        count = len(more)
        precision, recall = figures(seed + more)
        assert recall > seed_recall + 0.02, count
        assert precision >= 0.95, count
        assert f1(precision, recall) > f1(seed_precision, seed_recall), count
