from django.db import migrations


class Migration(migrations.Migration):
    """The plan version row goes: pages are no longer cached per user under a version every write bumped."""

    dependencies = [
        ("accomplishments", "0003_workplan_status_code"),
    ]

    operations = [
        migrations.DeleteModel(name="PlanVersion"),
    ]
