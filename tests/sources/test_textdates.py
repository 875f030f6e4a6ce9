"""The date of a development from an item's text, as EDTF (not the publication date)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sources.flagging.textdates import extract_date

PUBLISHED = datetime(2025, 1, 22, 9, 0, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "edtf"),
    [
        ("BIS published the rules on October 7, 2022, officials said.", "2022-10-07"),
        ("The controls announced on 7 Oct 2022 were tightened.", "2022-10-07"),
        ("A filing dated 2024-12-02 shows", "2024-12-02"),
        ("2025年1月20日，深度求索发布R1", "2025-01-20"),
        ("in March 2024 the firm began", "2024-03"),
        ("2023年10月，美国更新规则", "2023-10"),
        ("revenue in Q4 2024 rose", "2024-36"),
        ("fourth-quarter 2024 results", "2024-36"),
        ("the lab released R1 on Jan. 20", "2025-01-20"),
        ("the model was released on Monday", "2025-01-20"),
        ("深度求索周一发布", "2025-01-20"),
        ("上周五宣布", "2025-01-17"),
        ("on December 30 the company", "2024-12-30"),
        ("DeepSeek was founded in 2023", "2023"),
    ],
)
def test_dates_in_the_text_become_edtf(text: str, edtf: str) -> None:
    found = extract_date(text, published=PUBLISHED)
    assert found is not None and found.edtf == edtf


@pytest.mark.parametrize(
    "text",
    [
        "The curbs take effect on July 23, 2023.",
        "自2023年8月1日起实施出口管制",
        "deliveries are expected by December 2030",
        "prices may 5 percent higher",
        "violated conditions attached to the 2020 deal",
        "Nothing dated here at all",
        "plans for March 2026",  # after publication
    ],
)
def test_effective_dates_future_dates_and_non_dates_are_not_taken(text: str) -> None:
    assert extract_date(text, published=PUBLISHED) is None


def test_the_title_is_trusted_before_the_summary() -> None:
    found = extract_date("Rules published on December 2, 2024", "first proposed in March 2023", published=PUBLISHED)
    assert found is not None and found.edtf == "2024-12-02"


def test_without_a_publication_date_relative_dates_are_not_guessed() -> None:
    assert extract_date("released on Monday") is None
    found = extract_date("released on January 20, 2025")
    assert found is not None and found.edtf == "2025-01-20"
