"""The learned flagger's extra evidence: the lexicon's type tokens and columns, and the memory of decisions.

Pure (no database): what is tested is how text becomes features and how a model that carries a lexicon and a memory
is stored and read back; tests/sources/test_learned_flagger.py tests training and scoring through the database.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from sources.flagging import learned
from sources.flagging.learned import Example, Memory, model_from_bytes, unit_rows
from sources.flagging.lexicon import Lexicon, default_lexicon
from sources.flagging.rules import default_rules
from sources.flagging.scoring import flag_text
from sources.flagging.training import model_train


def _types(lexicon: Lexicon, text: str) -> list[tuple[str, str]]:
    return [(text[start:end], token) for start, end, token in lexicon.mentions(text)]


def test_names_and_verbs_are_found_by_type_in_both_languages() -> None:
    lexicon = default_lexicon()
    assert _types(lexicon, "Mistral AI rolls out a Qwen3-based model on AWS") == [
        ("Mistral AI", "ailab"),  # the longest name wins over "Mistral"
        ("rolls out", "launch"),
        ("Qwen3", "aimodel"),  # a version glued to a name
        ("AWS", "compute"),
    ]
    assert _types(lexicon, "摩尔线程发布新一代GPU芯片，已向客户送样") == [
        ("摩尔线程", "aichip"),
        ("发布", "launch"),
        ("新一代", "launch"),
        ("GPU芯片", "aichip"),
        ("送样", "produce"),
    ]
    assert _types(lexicon, "美国商务部更新规则") == [
        ("美国商务部", "usgov"),
        ("更新", "launch"),
    ]  # not 商务部 (China's)
    # "=Arm" and all-capitals names match case-sensitively; other names in any case.
    assert _types(lexicon, "Arm ramps up a server chip") == [("Arm", "aichip"), ("ramps up", "produce")]
    assert _types(lexicon, "An arm-wrestling final") == []
    assert _types(lexicon, "cerebras unveils") == [("cerebras", "aichip"), ("unveils", "launch")]


def test_farm_goods_animals_and_tutorials_have_types_of_their_own() -> None:
    """The noise-side types: trade talks on food and a pet's 芯片 share a token with the seed's negatives of the
    same kind, whatever the crop or the animal."""
    lexicon = default_lexicon()
    assert _types(lexicon, "中美就高粱采购举行磋商") == [("高粱", "farmgoods"), ("采购", "acquire")]
    assert _types(lexicon, "流浪猫植入芯片后找到主人") == [("猫", "animal")]
    assert _types(lexicon, "A step-by-step guide to renting an H100") == [
        ("step-by-step", "howto"),
        ("guide to", "howto"),
        ("H100", "aichip"),
    ]
    assert _types(lexicon, "Commerce Department buys soybeans") == [
        ("Commerce Department", "usgov"),
        ("buys", "acquire"),
        ("soybeans", "farmgoods"),
    ]


def test_a_name_is_a_whole_word_found_after_any_character_that_is_no_ascii_letter_or_digit() -> None:
    lexicon = default_lexicon()
    text = "(DeepSeek)_Qwen3, qwen3b Qwen2.5 “Nvidia” nvidias H100s xNvidia nvidia_x Mistral  AI; Mistral,AI AWS"
    assert _types(lexicon, text) == [
        ("DeepSeek", "ailab"),
        ("Qwen3", "aimodel"),  # digits glued to a name; "qwen3b" is another word
        ("Qwen2", "aimodel"),
        ("Nvidia", "aichip"),
        ("nvidia", "aichip"),  # "_" parts words here, as any character but a letter or digit does
        ("Mistral  AI", "ailab"),
        ("Mistral,AI", "ailab"),
        ("AWS", "compute"),
    ]
    assert _types(lexicon, "DeepSeek-V3 deepseekv3 Deep Seek") == [("DeepSeek-V3", "aimodel")]


def test_the_lexicon_knows_none_of_the_words_shifted_jsonl_is_described_with() -> None:
    """sources/training/README.md names shifted.jsonl's entities and verbs, and the lexicon's writer had read it:
    a list that knew them would flatter the seed model on that set's held-out part, which measures the learning
    curve. So none of them is a lexicon name, in any inflection, nor their products or the labs beside them."""
    lexicon = default_lexicon()
    described = [
        "Rapidus", "MetaX", "Biren BR100", "Enflame", "Xiaomi", "Meituan", "Tata", "Naver", "Sarvam", "Krutrim",
        "IndiaAI Mission", "India Semiconductor Mission", "Yotta", "Upstage", "LG AI Research", "EXAONE",
        "drops", "dropped", "ship", "ships", "shipped", "shipping", "begins shipping", "starts shipping",
        "tape out", "tapes out", "taped out", "tape-out", "tapeout", "hoovers up", "open-weights", "open-weight",
    ]  # fmt: skip
    assert [(text, _types(lexicon, text)) for text in described if _types(lexicon, text)] == []


def test_the_word_text_gets_type_tokens_and_the_title_gets_name_verb_pairs() -> None:
    lexicon = default_lexicon()
    [annotated], columns = lexicon.read(["Cerebras unveils a wafer-scale system\nGroq said nothing."])
    assert annotated.startswith("Cerebras xxaichip  unveils xxlaunch  a wafer xxproduce")
    assert annotated.endswith("\nxxpair_aichip_launch xxpair_aichip_produce")
    value = dict(zip(lexicon.column_names, columns[0].tolist(), strict=True))
    assert value["aichip"] == 1.0 and value["launch"] == 1.0 and value["aichip_launch"] == 1.0
    assert value["ailab"] == 0.0 and value["usgov"] == 0.0
    [annotated], columns = lexicon.read(["Quarterly results\nOpenAI launches a model."])
    value = dict(zip(lexicon.column_names, columns[0].tolist(), strict=True))
    assert value["ailab"] == 0.5 and value["ailab_launch"] == 0.0  # named in the lede only; pairs are the title's
    assert lexicon.label("xxailab releases") == "[AI lab] releases"
    assert lexicon.label("xxpair_ailab_launch") == "[AI lab + release verb]"
    plain = "Bakery wins an award"
    assert lexicon.read([plain]) == ([plain], pytest.approx(np.zeros((1, len(lexicon.column_names)))))


def test_a_decision_is_not_like_itself_in_training() -> None:
    rows = unit_rows(sp.csr_matrix(np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])))
    memory = Memory(rows, np.array([True, True, False]))
    own = memory.columns(sp.csr_matrix(rows), own_rows=np.arange(3))
    like_the_other = float((rows[0] @ rows[1].T).toarray()[0, 0])
    assert own[0, 0] == pytest.approx(like_the_other) and like_the_other < 0.9
    assert own[2, 1] == 0.0  # the only rejected item, left out of its own similarity
    fresh = memory.columns(sp.csr_matrix(np.array([[2.0, 0.0, 2.0]])))
    assert fresh[0].tolist() == pytest.approx([1.0, 0.0])


RELEVANT = [
    ("BIS adds 12 Chinese chip firms to the Entity List", "government"),
    ("Nvidia unveils new AI accelerator for data centres", "technology"),
    ("DeepSeek releases open-weights reasoning model", "technology"),
    ("SMIC starts 5nm volume production", "technology"),
    ("Alibaba orders 20,000 Nvidia H20 GPUs", "gpu_acquisition"),
    ("美国商务部将多家中国芯片企业列入实体清单", "government"),
    ("深度求索发布新一代开源大模型", "technology"),
    ("字节跳动采购数万块英伟达GPU", "gpu_acquisition"),
    ("Moonshot AI updates Kimi model", "technology"),
    ("Cambricon shares jump on AI chip orders", "corporate"),
]
NOISE = [
    "City council approves road budget",
    "Football club signs midfielder",
    "Chip shop celebrates anniversary",
    "Export controls on rice extended",
    "北京庙会接待游客",
    "气象台预计周末有雨",
    "How to fine-tune a language model on your laptop",
    "Gaming GPU review: the best card for 1440p",
    "Bond yields rise on inflation data",
    "Potato chips maker raises prices",
]


def test_a_model_with_a_lexicon_and_a_memory_reads_back_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learned, "LEXICON_FEATURES", True)
    examples = [Example(title, "", True, category) for title, category in RELEVANT]
    examples += [Example(title, "", False) for title in NOISE]
    examples += [Example("Tenstorrent rolls out its Blackhole chips", "", True, "technology", origin="decision")]
    examples += [Example("Tutorial: serving Llama on one GPU", "", False, origin="decision")]
    rules = default_rules()
    results = [flag_text(title=example.title, rules=rules) for example in examples]
    model = model_train(examples, target_precision=0.95, min_items=10, rule_results=results).model
    assert model.lexicon is not None and model.memory is not None and model.memory.rows.shape[0] == 2

    texts = ["Groq unveils its next inference chip", "寒武纪发布新一代AI芯片", "Museum opens new exhibition"]
    texts_results = [flag_text(title=text, rules=rules) for text in texts]
    again = model_from_bytes(model.to_bytes())
    assert again.to_bytes() == model.to_bytes()
    assert again.lexicon is not None and again.lexicon.column_names == model.lexicon.column_names
    before = [scored.probability for scored in model.score(texts, texts_results)]
    after = [scored.probability for scored in again.score(texts, texts_results)]
    assert after == pytest.approx(before, abs=1e-5)  # stored as float32
    features = model.features(texts[:1], texts_results[:1])
    names = {model.feature_name(int(column)) for column in features.indices}
    assert ("lexicon", "aichip_launch") in names and ("decisions", "like a promoted item") in names
    assert ("word", "[chip designer]") in names


def test_a_model_without_a_lexicon_or_decisions_has_neither(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(learned, "LEXICON_FEATURES", False)
    examples = [Example(title, "", True, category) for title, category in RELEVANT]
    examples += [Example(title, "", False) for title in NOISE]
    rules = default_rules()
    results = [flag_text(title=example.title, rules=rules) for example in examples]
    model = model_train(examples, target_precision=0.95, min_items=10, rule_results=results).model
    assert model.lexicon is None and model.memory is None
    assert b"lexicon" not in model.to_bytes() or model_from_bytes(model.to_bytes()).lexicon is None
