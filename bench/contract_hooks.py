"""schemathesis hooks (SCHEMATHESIS_HOOKS) for the contract runs: the data no schema can name.

A schema states shapes; whether a value names something that exists is the data's business. So schema-valid
(positive) cases get values that exist on the contract server: a registered entity, the named timeline, an
as_of position the log has reached (when the named timeline was defined), a fresh Idempotency-Key. Negative
cases are left as generated, so the service is still shown to refuse what the schema rules out.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import schemathesis
from schemathesis.generation import GenerationMode

ENTITY = "deepseek"
NAMED_TIMELINE = "deepseek-development"


def _positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is None or meta.generation.mode == GenerationMode.POSITIVE


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    if not _positive(case):
        return case
    query = case.query
    if isinstance(query, dict):
        if "as_of" in query and case.operation.path == "/api/developments/{id}/":
            del query["as_of"]  # a development recorded during the run has no earlier state to show
        elif "as_of" in query:  # a position the log has reached, after the named timeline was defined
            query["as_of"] = os.environ.get("CONTRACT_LOG_HEAD", "1")
        if "entity" in query:
            query["entity"] = ENTITY
        if "timeline" in query:
            query["timeline"] = NAMED_TIMELINE
        query.pop("cursor", None)  # cursors are the server's own signed tokens, not made up
        if "from" in query and "to" in query:
            query["to"] = query["from"]  # 'to' before 'from' is a 400 that no single parameter's schema shows
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("entities"), list):
        body["entities"] = [ENTITY] * min(len(body["entities"]), 1)
    if isinstance(body, dict) and case.method == "PATCH":
        # A revision that changes nothing is refused (400): make every one change the summary.
        body["summary"] = f"Revised by the contract run {uuid.uuid4()}."
    return case


@schemathesis.hook
def map_headers(context: Any, headers: Any) -> Any:
    # Every phase (the stateful one too): a key reused for another request is a 422 by design, so each
    # request gets a key of its own.
    if isinstance(headers, dict) and "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    return headers
