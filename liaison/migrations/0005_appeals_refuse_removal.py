"""PostgreSQL refuses to delete or truncate appeals and their timeline events (the events already refuse
UPDATE and DELETE row by row: appeals/migrations/0002_seed_and_guard.py).

Two ways through, both for whole-table maintenance only, never for the portal's own requests:
- `SET LOCAL liaison.allow_removal = 'on'` in the transaction (the test suite's flush between tests does);
- the events' own guard disabled in the same transaction (`ALTER TABLE appeals_appealevent DISABLE
  TRIGGER appeals_event_no_update`, which only the table's owner may do), as the demo's reset does.
SQLite has no triggers: there the models refuse `Appeal.delete()` and `AppealEvent.delete()`.
"""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION appeals_refuse_removal() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('liaison.allow_removal', true), '') = 'on' THEN
        RETURN CASE WHEN TG_LEVEL = 'ROW' THEN OLD ELSE NULL END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'appeals_event_no_update'
               AND tgrelid = 'appeals_appealevent'::regclass AND tgenabled = 'D') THEN
        RETURN CASE WHEN TG_LEVEL = 'ROW' THEN OLD ELSE NULL END;
    END IF;
    RAISE EXCEPTION 'appeals and their timeline events are never deleted (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER appeals_appeal_no_delete BEFORE DELETE ON appeals_appeal
    FOR EACH ROW EXECUTE FUNCTION appeals_refuse_removal();
CREATE TRIGGER appeals_appeal_no_truncate BEFORE TRUNCATE ON appeals_appeal
    FOR EACH STATEMENT EXECUTE FUNCTION appeals_refuse_removal();
CREATE TRIGGER appeals_event_no_truncate BEFORE TRUNCATE ON appeals_appealevent
    FOR EACH STATEMENT EXECUTE FUNCTION appeals_refuse_removal();
"""
UNGUARD = """
DROP TRIGGER IF EXISTS appeals_appeal_no_delete ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_appeal_no_truncate ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_event_no_truncate ON appeals_appealevent;
DROP FUNCTION IF EXISTS appeals_refuse_removal();
"""


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("liaison", "0004_visit_withdrawal"), ("appeals", "0002_seed_and_guard")]

    operations = [migrations.RunPython(guard, unguard)]
