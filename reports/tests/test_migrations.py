"""Reports that shared a symbol before symbols had to be unique become revisions, in request order."""
import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("reports", "0001_initial")]
AFTER = [("reports", "0002_revisions_heartbeat_document")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_reports_sharing_a_symbol_become_revisions_of_the_first(seed_plan):
    from accomplishments.models import Meeting

    meeting_id = Meeting.objects.get(code="SOM20").pk
    try:
        apps = _migrate(BEFORE)
        Report = apps.get_model("reports", "Report")
        day = datetime.date(2014, 9, 1)
        made = [Report.objects.create(work_plan_id=seed_plan.pk, kind="som", meeting_id=meeting_id, as_of=day,
                                      symbol=symbol, issued_on=day)
                for symbol in ("EMG/SOM.20/3", "EMG/SOM.20/3", "EMG/SOM.20/4", "EMG/SOM.20/3")]
        apps = _migrate(AFTER)
        Report = apps.get_model("reports", "Report")
        rows = {r.pk: (r.symbol, r.revision, r.revision_of_id) for r in Report.objects.all()}
        assert [rows[r.pk] for r in made] == [
            ("EMG/SOM.20/3", 0, None), ("EMG/SOM.20/3", 1, made[0].pk), ("EMG/SOM.20/4", 0, None),
            ("EMG/SOM.20/3", 2, made[0].pk)]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
