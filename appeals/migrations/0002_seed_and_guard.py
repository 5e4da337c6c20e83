from django.db import migrations

CATEGORIES = [
    ("financing", "融资需求"),
    ("land_planning", "用地与规划"),
    ("approvals", "审批与许可"),
    ("talent", "人才与用工"),
    ("market", "市场与订单"),
    ("policy", "政策咨询"),
    ("utilities", "水电气与基础设施"),
    ("other", "其他"),
]
TIER_WORKDAYS = {1: 5, 2: 10, 3: 15}

GUARD = """
CREATE OR REPLACE FUNCTION appeals_event_is_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'appeal timeline events cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER appeals_event_no_update BEFORE UPDATE OR DELETE ON appeals_appealevent
    FOR EACH ROW EXECUTE FUNCTION appeals_event_is_immutable();
"""
UNGUARD = """
DROP TRIGGER IF EXISTS appeals_event_no_update ON appeals_appealevent;
DROP FUNCTION IF EXISTS appeals_event_is_immutable();
"""


def seed(apps, schema_editor):
    Category = apps.get_model("appeals", "AppealCategory")
    TierDeadline = apps.get_model("appeals", "TierDeadline")
    for order, (code, name) in enumerate(CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for tier, workdays in TIER_WORKDAYS.items():
        TierDeadline.objects.get_or_create(tier=tier, defaults={"workdays": workdays})


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
