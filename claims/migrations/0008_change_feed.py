"""The sync feed's change token: the transaction that last changed what the public sees.

Triggers stamp `claims_claim.change_xid` with the writing transaction's id whenever the claim
row changes, and touch the claim when its citations, topics, claimant, topics' names or cited
sources change in a way the API shows (a verdict change already re-saves the claim through
the search trigger of migration 0002). See claims/sync.py for why transaction ids, not
timestamps. PostgreSQL only; on SQLite the column stays empty and the feed is unavailable.
"""

from django.db import migrations, models

CREATE_TRIGGERS = r"""
CREATE OR REPLACE FUNCTION claims_claim_change_xid() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END
$$;

CREATE TRIGGER claims_claim_change_xid
    BEFORE INSERT OR UPDATE ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION claims_claim_change_xid();

-- Once per claim and transaction: later touches in the same transaction change nothing.
CREATE OR REPLACE FUNCTION claims_touch_claims(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE claims_claim SET change_xid = pg_current_xact_id()::text::bigint
     WHERE id = ANY(ids) AND change_xid IS DISTINCT FROM pg_current_xact_id()::text::bigint;
$$;

CREATE OR REPLACE FUNCTION claims_touch_by_claim_id() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM claims_touch_claims(ARRAY[OLD.claim_id]);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM claims_touch_claims(ARRAY[NEW.claim_id]);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER claims_citation_touch_claim
    AFTER INSERT OR UPDATE OR DELETE ON claims_citation
    FOR EACH ROW EXECUTE FUNCTION claims_touch_by_claim_id();

CREATE TRIGGER claims_claim_topics_touch_claim
    AFTER INSERT OR UPDATE OR DELETE ON claims_claim_topics
    FOR EACH ROW EXECUTE FUNCTION claims_touch_by_claim_id();

-- A source's public fields (not its check times, which change on every check).
CREATE OR REPLACE FUNCTION claims_source_touch_claims() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.url, NEW.title, NEW.publisher, NEW.kind, NEW.language, NEW.published_on, NEW.health)
       IS DISTINCT FROM
       (OLD.url, OLD.title, OLD.publisher, OLD.kind, OLD.language, OLD.published_on, OLD.health) THEN
        PERFORM claims_touch_claims(ARRAY(SELECT claim_id FROM claims_citation WHERE source_id = NEW.id));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER claims_source_touch_claims
    AFTER UPDATE ON sources_source
    FOR EACH ROW EXECUTE FUNCTION claims_source_touch_claims();

CREATE OR REPLACE FUNCTION claims_claimant_touch_claims() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.name, NEW.slug, NEW.kind, NEW.country, NEW.wikidata_id)
       IS DISTINCT FROM (OLD.name, OLD.slug, OLD.kind, OLD.country, OLD.wikidata_id) THEN
        PERFORM claims_touch_claims(ARRAY(SELECT id FROM claims_claim WHERE claimant_id = NEW.id));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER claims_claimant_touch_claims
    AFTER UPDATE ON claims_claimant
    FOR EACH ROW EXECUTE FUNCTION claims_claimant_touch_claims();

CREATE OR REPLACE FUNCTION claims_topic_touch_claims() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.name, NEW.slug) IS DISTINCT FROM (OLD.name, OLD.slug) THEN
        PERFORM claims_touch_claims(ARRAY(SELECT claim_id FROM claims_claim_topics WHERE topic_id = NEW.id));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER claims_topic_touch_claims
    AFTER UPDATE ON claims_topic
    FOR EACH ROW EXECUTE FUNCTION claims_topic_touch_claims();

-- Existing rows: stamp them once, so a first sync from 0 returns everything.
UPDATE claims_claim SET change_xid = pg_current_xact_id()::text::bigint;
"""

DROP_TRIGGERS = r"""
DROP TRIGGER IF EXISTS claims_topic_touch_claims ON claims_topic;
DROP FUNCTION IF EXISTS claims_topic_touch_claims();
DROP TRIGGER IF EXISTS claims_claimant_touch_claims ON claims_claimant;
DROP FUNCTION IF EXISTS claims_claimant_touch_claims();
DROP TRIGGER IF EXISTS claims_source_touch_claims ON sources_source;
DROP FUNCTION IF EXISTS claims_source_touch_claims();
DROP TRIGGER IF EXISTS claims_claim_topics_touch_claim ON claims_claim_topics;
DROP TRIGGER IF EXISTS claims_citation_touch_claim ON claims_citation;
DROP FUNCTION IF EXISTS claims_touch_by_claim_id();
DROP FUNCTION IF EXISTS claims_touch_claims(bigint[]);
DROP TRIGGER IF EXISTS claims_claim_change_xid ON claims_claim;
DROP FUNCTION IF EXISTS claims_claim_change_xid();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGERS)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_seed_rating_labels"),
        ("sources", "0007_source_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="change_xid",
            field=models.BigIntegerField(blank=True, db_index=True, editable=False, null=True),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
