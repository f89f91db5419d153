"""A contribution's year must fall inside its activity's work plan period.

The rule spans three tables, which a CHECK constraint cannot see, so a trigger enforces it in the
database (raising an integrity error, as a constraint would). ContributionForm checks it first
with a readable message.
"""
from django.db import migrations

PG_CREATE = """
CREATE OR REPLACE FUNCTION activities_contribution_year_in_plan() RETURNS trigger AS $$
DECLARE first_y integer; last_y integer;
BEGIN
  SELECT wp.first_year, wp.last_year INTO first_y, last_y
    FROM activities_activity a
    JOIN accomplishments_expectedaccomplishment ea ON ea.id = a.accomplishment_id
    JOIN accomplishments_workplan wp ON wp.id = ea.work_plan_id
   WHERE a.id = NEW.activity_id;
  IF NEW.year < first_y OR NEW.year > last_y THEN
    RAISE EXCEPTION 'contribution year % is outside the plan period %-%', NEW.year, first_y, last_y
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER contribution_year_in_plan BEFORE INSERT OR UPDATE ON activities_contribution
  FOR EACH ROW EXECUTE FUNCTION activities_contribution_year_in_plan();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS contribution_year_in_plan ON activities_contribution;
DROP FUNCTION IF EXISTS activities_contribution_year_in_plan();
"""

SQLITE_CHECK = """
SELECT RAISE(ABORT, 'contribution year is outside the plan period')
 WHERE NEW.year NOT BETWEEN
   (SELECT wp.first_year FROM activities_activity a
      JOIN accomplishments_expectedaccomplishment ea ON ea.id = a.accomplishment_id
      JOIN accomplishments_workplan wp ON wp.id = ea.work_plan_id WHERE a.id = NEW.activity_id)
   AND
   (SELECT wp.last_year FROM activities_activity a
      JOIN accomplishments_expectedaccomplishment ea ON ea.id = a.accomplishment_id
      JOIN accomplishments_workplan wp ON wp.id = ea.work_plan_id WHERE a.id = NEW.activity_id);
"""
SQLITE_CREATE = [
    f"CREATE TRIGGER contribution_year_in_plan_{op.lower()} BEFORE {op} ON activities_contribution "
    f"FOR EACH ROW BEGIN {SQLITE_CHECK} END;"
    for op in ("INSERT", "UPDATE")
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS contribution_year_in_plan_{op};" for op in ("insert", "update")]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial"), ("accomplishments", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
