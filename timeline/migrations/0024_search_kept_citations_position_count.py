"""PostgreSQL: the trigger takes a document's kept citations part only where it makes the vector the parts in turn do.

A tsvector lexeme holds at most 256 positions, and `||` drops those past it. The dropped ones can include the left
operand's last position, by which `||` shifts its right operand: a lexeme frequent in the title, entities and body
that also ends the citations' 'english' part is cut from prefix || english, whose last position is then smaller
than the prefix's plus the english part's, and the 'simple' part is shifted by less than in prefix || kept part
(migration 0023, where the kept part's own `||` shifted it by the english part's last position). Such a document's
vector differed from the one the same texts had before.

prefix || kept part is the vector of the parts in turn exactly when prefix || english keeps that last position.
Nothing is cut while no lexeme of the prefix and the kept part together has more than 256 positions (checked on
the two vectors, without parsing); otherwise, as on a long-cited development whose 'simple' parts both count
"the" often, the trigger parses the citations' english part alone and checks it, and computes the whole vector
in turn only where the last position was cut. That parse costs most of what the kept part saves (a document with
17.6 kB of citations text whose "the" is cut: 3.4 ms against 4.2 computing all, 0.75 for the kept part alone)."""

from django.db import migrations

# The largest position a tsvector holds (PostgreSQL's MAXENTRYPOS - 1), and the positions a lexeme holds
# (MAXNUMPOS).
LAST_POSITION = 16383
LEXEME_POSITIONS = 256

_HEADER = """
    CREATE OR REPLACE FUNCTION timeline_searchdocument_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        prefix tsvector;
        english tsvector;
        simple tsvector;
    BEGIN
        prefix :=
            setweight(to_tsvector('english', NEW.title), 'A') || setweight(to_tsvector('simple', NEW.title), 'A')
            || setweight(to_tsvector('english', NEW.entities), 'B')
            || setweight(to_tsvector('simple', NEW.entities), 'B')
            || setweight(to_tsvector('english', NEW.body), 'C') || setweight(to_tsvector('simple', NEW.body), 'C');
        IF TG_OP = 'UPDATE' AND NEW.citations IS DISTINCT FROM OLD.citations THEN
            NEW.citations_vector := NULL;
        END IF;
        IF NEW.citations_vector IS NOT NULL AND (
            SELECT coalesce(max(position), 0) FROM unnest(prefix) AS word, unnest(word.positions) AS position
        ) + (
            SELECT coalesce(max(position), 0)
            FROM unnest(NEW.citations_vector) AS word, unnest(word.positions) AS position
        ) < {last} THEN"""
_FOOTER = """
        english := setweight(to_tsvector('english', NEW.citations), 'D');
        simple := setweight(to_tsvector('simple', NEW.citations), 'D');
        NEW.citations_vector := english || simple;
        -- Concatenated in turn, as migration 0005 did: the same vector when positions are clamped, too.
        NEW.document := prefix || english || simple;
        RETURN NEW;
    END
    $$
    """
# Migration 0023's: the kept part whenever the positions stay under the largest.
_KEPT_0023 = """
            NEW.document := prefix || NEW.citations_vector;
            RETURN NEW;
        END IF;"""
_KEPT = f"""
            IF NOT EXISTS (
                SELECT 1 FROM unnest(prefix) AS head JOIN unnest(NEW.citations_vector) AS kept USING (lexeme)
                WHERE cardinality(head.positions) + cardinality(kept.positions) > {LEXEME_POSITIONS}
            ) THEN
                NEW.document := prefix || NEW.citations_vector;
                RETURN NEW;
            END IF;
            -- A lexeme may be cut: the kept part serves if prefix || english keeps english's last position.
            english := setweight(to_tsvector('english', NEW.citations), 'D');
            IF (
                SELECT coalesce(max(position), 0)
                FROM unnest(prefix || english) AS word, unnest(word.positions) AS position
            ) = (
                SELECT coalesce(max(position), 0) FROM unnest(prefix) AS word, unnest(word.positions) AS position
            ) + (
                SELECT coalesce(max(position), 0) FROM unnest(english) AS word, unnest(word.positions) AS position
            ) THEN
                NEW.document := prefix || NEW.citations_vector;
                RETURN NEW;
            END IF;
        END IF;"""


def _function(kept: str) -> str:
    return _HEADER.format(last=LAST_POSITION) + kept + _FOOTER


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_function(_KEPT), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_function(_KEPT_0023), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0023_search_citations_vector"),
    ]

    operations = [migrations.RunPython(forward, backward)]
