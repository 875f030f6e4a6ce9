"""load_deepseek_timeline: the report's dated developments at the report's precision, with graded citations to
their passage, and loading again adds only what an earlier release of the data file lacked.

No servers: the test database (SQLite, or PostgreSQL with DATABASE_URL) and the shipped data file.
"""

from __future__ import annotations

import json
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from events.models import StoredEvent
from timeline import services
from timeline.models import Development, Entity
from timeline.report_loader import DATA_FILE, development_id_for, load_report_timeline

# (key, EDTF, shown as, category, kind, citation locator, grading, words of the title) for developments the
# report dates that the first release of the data file left out.
ADDED = [
    ("amec_injunction_against_veeco", "2017-12-07", "Dec 7, 2017", "government", "other", 8, "B1", "AMEC"),
    ("nvidia_v100_introduced", "2017", "2017", "technology", "chip_launch", 4, "B1", "V100"),
    ("jinhua_sues_micron", "2018", "2018", "corporate", "other", 8, "B1", "Micron"),
    ("kai_fu_lee_ai_superpowers", "2018", "2018", "technology", "other", 8, "B1", "AI Superpowers"),
    ("asml_euv_poised_for_china", "2020", "2020", "technology", "other", 16, "B3", "EUV"),
    ("huawei_7nm_ai_chip_planned_at_tsmc", "2020", "2020", "technology", "other", 14, "B2", "7 nm"),
    ("nvidia_tsmc_7nm_yield_2020", "2020", "2020", "technology", "fab_milestone", 16, "B2", "41.5%"),
    ("wired_nvidia_breach", "2022", "2022", "technology", "other", 9, "B2", "breach Nvidia"),
    ("ai_chip_shortage_begins", "2022", "2022", "corporate", "market_move", 5, "B2", "shortage"),
    ("chatgpt_launch", "2022", "2022", "technology", "model_launch", 2, "B1", "ChatGPT"),
    ("asml_accuses_former_employee", "2023-02", "Feb 2023", "corporate", "other", 9, "B1", "former employee"),
    ("liang_2023_interviews", "2023", "2023", "corporate", "policy_statement", 1, "B2", "2023 interviews"),
    ("raimondo_email_hack", "2023", "2023", "government", "other", 9, "B2", "Raimondo"),
    ("jensen_huang_inference_estimate", "2024-02", "Feb 2024", "corporate", "policy_statement", 14, "B1", "40%"),
    ("frontier_models_mid_2024", "2024", "2024", "technology", "model_launch", 2, "B1", "Claude 3.5 Sonnet"),
    ("hbm_controls_plan_leaked", "2024-08", "Aug 2024", "government", "other", 15, "B2", "Bloomberg"),
    ("ellison_begs_nvidia_for_gpus", "2024-09", "Sep 2024", "corporate", "other", 5, "B2", "GPUs"),
    ("eindhoven_university_cyberattack", "2025-01", "Jan 2025", "technology", "other", 9, "B2", "cyberattack"),
    ("trump_second_inauguration", "2025-01-20", "Jan 20, 2025", "government", "other", None, "A1", "second term"),
    (
        "nvidia_sec_filing_china_revenue",
        "2025-01-26",
        "Jan 26, 2025",
        "gpu_acquisition",
        "gpu_acquisition",
        15,
        "A1",
        "$17 billion",
    ),
    ("li_guojie_on_compute_blockade", "2025-02-13", "Feb 13, 2025", "technology", "policy_statement", 7, "B2", "Li"),
]


def load(path: Path = DATA_FILE) -> str:
    out = StringIO()
    call_command("load_deepseek_timeline", "--file", str(path), stdout=out)
    return out.getvalue()


@pytest.fixture
def earlier_release(tmp_path: Path) -> Path:
    """The data file as it shipped before these developments were added (and their new entities)."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    added = {key for key, *_ in ADDED}
    data["developments"] = [d for d in data["developments"] if d["key"] not in added]
    still_cited = {entity for d in data["developments"] for entity in d["entities"]}
    data["entities"] = [e for e in data["entities"] if e["key"] in still_cited]
    data.pop("links", None)  # links between developments came later still
    path = tmp_path / "deepseek_timeline_before.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("key", "edtf", "shown", "category", "kind", "judgment", "grading", "words"), ADDED)
def test_a_dated_development_of_the_report_is_loaded_at_the_reports_precision_with_a_graded_citation(
    db: None, key: str, edtf: str, shown: str, category: str, kind: str, judgment: int | None, grading: str, words: str
) -> None:
    load_report_timeline()
    development = Development.objects.get(pk=development_id_for(key))
    assert (development.edtf, development.display_date) == (edtf, shown)
    assert (development.category, development.kind) == (category, kind)
    assert words in development.title
    citations = list(development.citations.all())
    assert citations and citations[0].publisher == "CSIS" and citations[0].excerpt
    assert citations[0].locator == (f"Key judgment {judgment}" if judgment else "Introduction")
    assert citations[0].grading == grading


def test_the_figures_the_report_gives_are_kept_as_it_gives_them(db: None) -> None:
    load_report_timeline()

    def text(key: str) -> str:
        development = Development.objects.get(pk=development_id_for(key))
        return " ".join([development.title, development.summary, *(c.excerpt for c in development.citations.all())])

    assert "$17 billion" in text("nvidia_sec_filing_china_revenue")
    assert "41.5 percent" in text("nvidia_tsmc_7nm_yield_2020")
    assert "71,000" in text("wired_nvidia_breach")
    assert "26 chip products" in text("jinhua_sues_micron")
    assert '"40 percent inference, 60 percent training,"' in text("jensen_huang_inference_estimate")
    assert "early 2018" in text("jinhua_sues_micron") and "late 2022" in text("chatgpt_launch")


def test_a_database_loaded_from_the_earlier_file_gets_exactly_the_added_developments_on_the_next_load(
    db: None, earlier_release: Path
) -> None:
    assert "45 developments (45 new)" in load(earlier_release)
    before = {d.pk: d.last_position for d in Development.objects.all()}
    entities_before = Entity.objects.count()

    assert f"66 developments ({len(ADDED)} new)" in load()
    after = {str(d.pk): d for d in Development.objects.all()}
    assert set(after) == {str(pk) for pk in before} | {development_id_for(key) for key, *_ in ADDED}
    # Untouched but for the links between developments, which the earlier file lacked.
    later = [
        event.event_type
        for event in StoredEvent.objects.filter(stream__in=[f"development-{pk}" for pk in before])
        if event.position > before[uuid.UUID(event.stream.removeprefix("development-"))]
    ]
    assert later and set(later) == {"DevelopmentLinked"}
    assert Entity.objects.count() > entities_before
    assert Entity.objects.filter(pk="fujian-jinhua", aliases__name="福建晋华").exists()

    events = StoredEvent.objects.count()
    assert "66 developments (0 new), 0 new entities, 0 timelines" in load()
    assert StoredEvent.objects.count() == events  # a third load appends nothing


# (key, document number, FR citation, publication day) of the developments that are Federal Register rules.
FEDERAL_REGISTER_RULES = [
    ("huawei_entity_listing_2020", "2020-10856", "85 FR 29849", "2020-05-19"),
    ("us_ai_chip_export_controls_oct_2022", "2022-21658", "87 FR 62186", "2022-10-13"),
    ("us_ai_chip_export_controls_oct_2023", "2023-23055", "88 FR 73458", "2023-10-25"),
    ("us_hbm_export_controls", "2024-28270", "89 FR 96790", "2024-12-05"),
    ("foundry_rule", "2025-00711", "90 FR 5298", "2025-01-16"),
]


def test_each_federal_register_rule_cites_its_document_beside_the_reports_citation(db: None) -> None:
    load_report_timeline()
    for key, number, citation, published in FEDERAL_REGISTER_RULES:
        development = Development.objects.get(pk=development_id_for(key))
        cited = list(development.citations.all())
        assert cited[0].publisher == "CSIS", key
        document = next(c for c in cited if c.publisher == "Federal Register")
        assert document.locator == f"{citation} (FR Doc. {number})", key
        assert document.url == f"https://www.federalregister.gov/d/{number}" and document.grading == "A1", key
        assert document.published == published, key


def test_a_database_loaded_before_the_federal_register_citations_gets_them_on_the_next_load(
    db: None, tmp_path: Path
) -> None:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for development in data["developments"]:
        development["citations"] = [c for c in development["citations"] if "document" not in c]
    earlier = tmp_path / "deepseek_timeline_before_fr.json"
    earlier.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    load(earlier)
    assert not Development.objects.filter(citations__publisher="Federal Register").exists()

    assert f"{len(FEDERAL_REGISTER_RULES)} citations added to developments loaded before" in load()
    cited = Development.objects.filter(citations__publisher="Federal Register")
    assert sorted(str(d.pk) for d in cited) == sorted(development_id_for(key) for key, *_ in FEDERAL_REGISTER_RULES)
    events = StoredEvent.objects.count()
    assert "0 citations added" in load()
    assert StoredEvent.objects.count() == events


def test_a_citation_an_analyst_removed_is_not_loaded_again(db: None) -> None:
    load_report_timeline()
    development = Development.objects.get(pk=development_id_for("us_hbm_export_controls"))
    document = development.citations.get(publisher="Federal Register")
    services.citation_remove(
        development_id=development.pk, citation_id=document.pk, reason="cited elsewhere", actor="analyst"
    )
    assert "0 citations added" in load()
    assert not development.citations.filter(publisher="Federal Register").exists()
