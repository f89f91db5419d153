"""Work plans get a status of draft, current, past or closed, and a code for their addresses.

The plan that was shown until now (the latest by period) becomes current; other approved plans become past.
"""

from django.db import migrations, models


def forwards(apps, schema_editor):
    WorkPlan = apps.get_model("accomplishments", "WorkPlan")
    taken = set()
    plans = list(WorkPlan.objects.order_by("-first_year", "-id"))
    for n, plan in enumerate(plans):
        base = code = f"{plan.first_year}-{plan.last_year}"
        k = 2
        while code in taken:
            code, k = f"{base}-{k}", k + 1
        taken.add(code)
        plan.code = code
        if n == 0:
            plan.status = "current"
        elif plan.status == "approved":
            plan.status = "past"
        plan.save(update_fields=["code", "status"])


def backwards(apps, schema_editor):
    WorkPlan = apps.get_model("accomplishments", "WorkPlan")
    WorkPlan.objects.exclude(status="draft").update(status="approved")


class Migration(migrations.Migration):

    dependencies = [
        ('accomplishments', '0002_planversion'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalworkplan',
            name='code',
            field=models.SlugField(blank=True, help_text="What the addresses of the plan's pages say, e.g. 2014-2015 in /plans/2014-2015/.", max_length=30),
        ),
        migrations.AddField(
            model_name='workplan',
            name='code',
            field=models.CharField(blank=True, max_length=30),  # unique (and indexed) once filled in below
        ),
        migrations.AlterField(
            model_name='historicalworkplan',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('current', 'Current'), ('past', 'Past'), ('closed', 'Closed')], default='draft', max_length=10),
        ),
        migrations.AlterField(
            model_name='workplan',
            name='status',
            field=models.CharField(choices=[('draft', 'Draft'), ('current', 'Current'), ('past', 'Past'), ('closed', 'Closed')], default='draft', max_length=10),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name='workplan',
            name='code',
            field=models.SlugField(blank=True, help_text="What the addresses of the plan's pages say, e.g. 2014-2015 in /plans/2014-2015/.", max_length=30, unique=True),
        ),
        migrations.AddConstraint(
            model_name='workplan',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'current')), fields=('status',), name='workplan_one_current', violation_error_message='Another work plan is already current.'),
        ),
    ]
