"""Two analysts decide on the same candidate at the same moment: exactly one decision is recorded.

PostgreSQL only (SQLite serialises every writer anyway): each decision runs in its own thread and connection.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from events.models import StoredEvent
from sources.models import Candidate
from sources.review import services as review
from tests.admin.conftest import make_candidate
from tests.timeline.factories import register_entities
from timeline.models import Development

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_promote_and_a_reject_racing_record_one_decision(db: Any) -> None:
    register_entities()
    outcomes: dict[str, str] = {}
    for round_ in range(5):
        candidate = make_candidate(link=f"https://race.example/{round_}", title=f"Race {round_}")
        barrier = threading.Barrier(2)

        def decide(
            name: str, candidate_id: int = candidate.pk, barrier: threading.Barrier = barrier, round_: int = round_
        ) -> None:
            try:
                barrier.wait()
                if name == "promote":
                    review.candidate_promote(
                        candidate_id=candidate_id,
                        development={
                            "title": "Race",
                            "date": "2024-12-02",
                            "category": "government",
                            "kind": "rule_release",
                        },
                        citation={"title": "Wire", "reliability": "C", "credibility": "3"},
                        actor="ana",
                    )
                else:
                    review.candidate_reject(candidate_id=candidate_id, reason="noise", actor="bob")
                outcomes[f"{round_}-{name}"] = "done"
            except ValidationError:
                outcomes[f"{round_}-{name}"] = "refused"
            finally:
                connection.close()

        threads = [threading.Thread(target=decide, args=(name,)) for name in ("promote", "reject")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        events = StoredEvent.objects.filter(stream=f"candidate-{candidate.pk}")
        assert events.count() == 1
        status = Candidate.objects.get(pk=candidate.pk).status
        winner = events.get().event_type
        assert (winner, status) in {("CandidatePromoted", "promoted"), ("CandidateRejected", "rejected")}
        assert sorted(outcomes[f"{round_}-{n}"] for n in ("promote", "reject")) == ["done", "refused"]
    # A development exists exactly for the rounds that promote won.
    promoted = Candidate.objects.filter(status="promoted").count()
    assert Development.objects.count() == promoted
