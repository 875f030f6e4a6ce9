"""schemathesis hooks (SCHEMATHESIS_HOOKS) for the contract runs: the data no schema can name.

A schema states shapes; whether a value names something that exists is the data's business. So schema-valid
(positive) cases get values that exist on the contract server: a registered entity, the named timeline, an
as_of position the log has reached (when the named timeline was defined), a fresh Idempotency-Key, a new
entity's unused id, a development or entity made for the case to link, relate or merge into (registered through
the API, as a client would first), a saved search's filters and a webhook receiver's address (loopback, where
nothing listens, so no delivery leaves the machine). Negative cases are left as generated, so the service is
still shown to refuse what the schema rules out.
"""

from __future__ import annotations

import json
import os
import random
import urllib.request
import uuid
from typing import Any

import schemathesis
from schemathesis.generation import GenerationMode

ENTITY = "deepseek"
NAMED_TIMELINE = "deepseek-development"
# Saved searches' filters, as /api/developments/ takes them (a free-text field the schema cannot enumerate).
SAVED_QUERIES = [
    "",
    "category=government",
    f"entity={ENTITY}&kind=chip_launch",
    "q=export&disputed=true",
    "tag=export-controls",
]
WEBHOOK_RECEIVER = "http://127.0.0.1:9/contract-webhook"  # the discard port: refused at once, on this machine


def _post(path: str, body: dict[str, Any]) -> str:
    """Make something through the API as the analyst; the id it answers."""
    request = urllib.request.Request(
        os.environ["CONTRACT_URL"] + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Token {os.environ['CONTRACT_TOKEN']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return str(json.load(answer)["id"])


def _new_entity_id() -> str:
    return f"contract-{uuid.uuid4().hex[:12]}"


def _fresh_entity() -> str:
    return _post("/api/entities/", {"id": _new_entity_id(), "name": f"Contract {uuid.uuid4()}", "entity_type": "other"})


def _fresh_development() -> str:
    body = {"title": f"Linked by the contract run {uuid.uuid4()}", "date": "2025", "category": "technology"}
    return _post("/api/developments/", {**body, "kind": "other"})


def _positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is None or meta.generation.mode == GenerationMode.POSITIVE


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    if not _positive(case):
        return case
    query = case.query
    if isinstance(query, dict):
        if "as_of" in query and case.operation.path in ("/api/developments/{id}/", "/api/entities/{id}/"):
            del query["as_of"]  # a development or entity recorded during the run has no earlier state to show
        elif "as_of" in query:  # a position the log has reached, after the named timeline was defined
            query["as_of"] = os.environ.get("CONTRACT_LOG_HEAD", "1")
        if "entity" in query:
            query["entity"] = ENTITY
        if "timeline" in query:
            query["timeline"] = NAMED_TIMELINE
        query.pop("cursor", None)  # cursors are the server's own signed tokens, not made up
        if query.get("ordering") == "relevance" and not query.get("q"):
            query["q"] = "DeepSeek"  # relevance ranks the matches of q: without q it is a 400 no schema can show
        if query.get("lanes") == "entity" and not query.get("entity"):
            query["entity"] = ENTITY  # a lane per entity compared: with none named it is a 400 no schema can show
        if "from" in query and "to" in query:
            query["to"] = query["from"]  # 'to' before 'from' is a 400 that no single parameter's schema shows
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("entities"), list):
        body["entities"] = [ENTITY] * min(len(body["entities"]), 1)
    if isinstance(body, dict):
        _make_body_real(case.method, case.operation.path, body)
    return case


def _make_body_real(method: str, path: str, body: dict[str, Any]) -> None:
    """A body the schema allows that names things that exist and changes something (a no-op revision is a 400)."""
    if method == "PATCH" and path == "/api/developments/{id}/":
        body["summary"] = f"Revised by the contract run {uuid.uuid4()}."
    elif method == "PATCH" and path == "/api/relationships/{id}/":
        body["note"] = f"Corrected by the contract run {uuid.uuid4()}."
    elif method == "PATCH" and path == "/api/entities/{id}/":
        body["description"] = f"Revised by the contract run {uuid.uuid4()}."
    elif method == "POST" and path == "/api/entities/":
        body["id"] = _new_entity_id()  # an id registered already is refused
    elif method == "POST" and path == "/api/relationships/":
        body["source"], body["target"] = ENTITY, _fresh_entity()  # a pair not related yet
    elif method == "POST" and path == "/api/entities/{id}/merge/":
        body["into"] = _fresh_entity()  # an entity not merged itself
    elif method == "POST" and path == "/api/developments/{id}/links/":
        body["target"] = _fresh_development()  # not linked yet
    elif path.startswith("/api/saved-searches/"):
        if "query" in body:
            body["query"] = random.choice(SAVED_QUERIES)
        if body.get("channel") == "webhook" or "webhook_url" in body:
            body["webhook_url"] = WEBHOOK_RECEIVER


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    # The stateful phase fills a step's body from an earlier response's links after map_case has run: an entity
    # id taken from the entity just merged is one registered already, which the service refuses with a 400 by
    # design. So a registration gets its fresh id here, the last thing before the request leaves.
    registration = case.method == "POST" and case.operation.path == "/api/entities/"
    if registration and _positive(case) and isinstance(case.body, dict):
        case.body["id"] = _new_entity_id()


@schemathesis.hook
def map_headers(context: Any, headers: Any) -> Any:
    # Every phase (the stateful one too): a key reused for another request is a 422 by design, so each
    # request gets a key of its own.
    if isinstance(headers, dict) and "Idempotency-Key" in headers:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    return headers
