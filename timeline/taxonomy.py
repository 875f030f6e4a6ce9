"""The controlled vocabularies: Figure 1's categories, the finer kinds, Admiralty grading, entity types."""

from __future__ import annotations

from django.db import models


class Category(models.TextChoices):
    """Figure 1's legend ("Event Type")."""

    CORPORATE = "corporate", "Corporate"
    GOVERNMENT = "government", "Government"
    GPU_ACQUISITION = "gpu_acquisition", "GPU acquisition"
    TECHNOLOGY = "technology", "Technology"


class Kind(models.TextChoices):
    RULE_RELEASE = "rule_release", "Rule release"
    PROPOSED_RULE = "proposed_rule", "Proposed rule"
    NOTICE = "notice", "Notice"
    EXECUTIVE_ORDER = "executive_order", "Executive order"
    ENTITY_LISTING = "entity_listing", "Entity listing"
    ENTITY_DELISTING = "entity_delisting", "Entity delisting"
    ENFORCEMENT_ACTION = "enforcement_action", "Enforcement action"
    ARREST_OR_CHARGE = "arrest_or_charge", "Arrest or charge"
    INDICTMENT = "indictment", "Indictment"
    MODEL_LAUNCH = "model_launch", "Model launch"
    RESEARCH_PAPER = "research_paper", "Research paper"
    CHIP_LAUNCH = "chip_launch", "Chip launch"
    FAB_MILESTONE = "fab_milestone", "Fab milestone"
    GPU_ACQUISITION = "gpu_acquisition", "GPU acquisition"
    SMUGGLING_CASE = "smuggling_case", "Smuggling case"
    INVESTMENT = "investment", "Investment"
    FOUNDING = "founding", "Founding"
    MARKET_MOVE = "market_move", "Market move"
    MEETING = "meeting", "Meeting"
    POLICY_STATEMENT = "policy_statement", "Policy statement"
    CORPORATE_MOVE = "corporate_move", "Corporate move"
    OTHER = "other", "Other"


# The category a kind belongs to when nothing else says (the flagger's suggestion, the watch-list defaults).
KIND_CATEGORY: dict[str, str] = {
    Kind.RULE_RELEASE.value: Category.GOVERNMENT.value,
    Kind.PROPOSED_RULE.value: Category.GOVERNMENT.value,
    Kind.NOTICE.value: Category.GOVERNMENT.value,
    Kind.EXECUTIVE_ORDER.value: Category.GOVERNMENT.value,
    Kind.ENTITY_LISTING.value: Category.GOVERNMENT.value,
    Kind.ENTITY_DELISTING.value: Category.GOVERNMENT.value,
    Kind.ENFORCEMENT_ACTION.value: Category.GOVERNMENT.value,
    Kind.ARREST_OR_CHARGE.value: Category.GOVERNMENT.value,
    Kind.INDICTMENT.value: Category.GOVERNMENT.value,
    Kind.POLICY_STATEMENT.value: Category.GOVERNMENT.value,
    Kind.MEETING.value: Category.GOVERNMENT.value,
    Kind.GPU_ACQUISITION.value: Category.GPU_ACQUISITION.value,
    Kind.SMUGGLING_CASE.value: Category.GPU_ACQUISITION.value,
    Kind.MODEL_LAUNCH.value: Category.TECHNOLOGY.value,
    Kind.RESEARCH_PAPER.value: Category.TECHNOLOGY.value,
    Kind.CHIP_LAUNCH.value: Category.TECHNOLOGY.value,
    Kind.FAB_MILESTONE.value: Category.TECHNOLOGY.value,
    Kind.INVESTMENT.value: Category.CORPORATE.value,
    Kind.FOUNDING.value: Category.CORPORATE.value,
    Kind.MARKET_MOVE.value: Category.CORPORATE.value,
    Kind.CORPORATE_MOVE.value: Category.CORPORATE.value,
}


class EntityType(models.TextChoices):
    COMPANY = "company", "Company"
    RESEARCH_LAB = "research_lab", "Research lab"
    AGENCY = "agency", "Government body"
    GOVERNMENT = "government", "Government"
    PERSON = "person", "Person"
    FAB = "fab", "Fab or facility"
    PRODUCT = "product", "Product or model"
    COUNTRY = "country", "Country"
    OTHER = "other", "Other"


# Admiralty (NATO) grading: how reliable the source is, how credible the information.
RELIABILITY = {
    "A": "Completely reliable",
    "B": "Usually reliable",
    "C": "Fairly reliable",
    "D": "Not usually reliable",
    "E": "Unreliable",
    "F": "Reliability cannot be judged",
}
CREDIBILITY = {
    "1": "Confirmed by other sources",
    "2": "Probably true",
    "3": "Possibly true",
    "4": "Doubtful",
    "5": "Improbable",
    "6": "Truth cannot be judged",
}


class Status(models.TextChoices):
    CURRENT = "current", "Current"
    RETRACTED = "retracted", "Retracted"
    MERGED = "merged", "Merged into another"


# A development's fields as people read them: the admin's history and the digests' "what changed" lines.
FIELD_LABELS = {
    "title": "Title",
    "summary": "Summary",
    "date": "Date",
    "category": "Category",
    "kind": "Kind",
    "entities": "Entities",
    "tags": "Tags",
    "disputed": "Disputed",
    "media": "Media",
    "status": "Status",
}


class LinkRelation(models.TextChoices):
    """How one development relates to an earlier or parallel one (a link, on the linking development's stream)."""

    RESPONDS_TO = "responds_to", "Responds to"
    AMENDS = "amends", "Amends"
    SUPERSEDES = "supersedes", "Supersedes"
    FOLLOWS_FROM = "follows_from", "Follows from"
    CONTRADICTS = "contradicts", "Contradicts"


class RelationType(models.TextChoices):
    """How one entity stands to another, read "source <relation> target": HiSilicon subsidiary of Huawei."""

    SUBSIDIARY_OF = "subsidiary_of", "Subsidiary of"
    FOUNDED_BY = "founded_by", "Founded by"
    SPUN_OFF_FROM = "spun_off_from", "Spun off from"
    SUPPLIER_TO = "supplier_to", "Supplier to"
    CUSTOMER_OF = "customer_of", "Customer of"
    FOUNDRY_FOR = "foundry_for", "Foundry for"
    PARTNER_OF = "partner_of", "Partner of"
    SUCCESSOR_OF = "successor_of", "Successor of"
    LOCATED_IN = "located_in", "Located in"
