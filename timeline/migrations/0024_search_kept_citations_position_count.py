"""PostgreSQL: the trigger takes a document's kept citations part only where no lexeme would pass 256 positions.

A tsvector lexeme holds at most 256 positions, and `||` drops those past it. The dropped ones can include the left
operand's last position, by which `||` shifts its right operand: a lexeme frequent in the title, entities and body
(the 'english' and 'simple' parts both count it) that also ends the citations' 'english' part shifted their 'simple'
part by less in the vector of migration 0005 (the parts concatenated in turn) than in prefix || kept part (migration
0023), so such a document's vector differed from the one the same texts had before. While no lexeme of the prefix
and the kept part together has more than 256 positions nothing is dropped and the two are the same; otherwise the
trigger computes the vector in turn, as before."""

from django.db import migrations

# The largest position a tsvector holds (PostgreSQL's MAXENTRYPOS - 1), and the positions a lexeme holds
# (MAXNUMPOS).
LAST_POSITION = 16383
LEXEME_POSITIONS = 256


def _function(guard: str) -> str:
    return f"""
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
        ) < {LAST_POSITION}{guard} THEN
            NEW.document := prefix || NEW.citations_vector;
            RETURN NEW;
        END IF;
        english := setweight(to_tsvector('english', NEW.citations), 'D');
        simple := setweight(to_tsvector('simple', NEW.citations), 'D');
        NEW.citations_vector := english || simple;
        -- Concatenated in turn, as migration 0005 did: the same vector when positions are clamped, too.
        NEW.document := prefix || english || simple;
        RETURN NEW;
    END
    $$
    """


# No lexeme in both whose positions, together, `||` would cut to 256.
_POSITIONS_GUARD = f"""
        AND NOT EXISTS (
            SELECT 1 FROM unnest(prefix) AS head JOIN unnest(NEW.citations_vector) AS kept USING (lexeme)
            WHERE cardinality(head.positions) + cardinality(kept.positions) > {LEXEME_POSITIONS}
        )"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_function(_POSITIONS_GUARD), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_function(""), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0023_search_citations_vector"),
    ]

    operations = [migrations.RunPython(forward, backward)]
