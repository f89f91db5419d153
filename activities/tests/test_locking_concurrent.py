"""A progress form sent twice at the same moment, on PostgreSQL with two connections: one update."""
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from activities.models import Milestone, ProgressUpdate


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_files_one_update(demo_users):
    lead = demo_users["biodiversity-lead"]
    a1a = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)
    url = reverse("activities:update-create") + f"?milestone={a1a.pk}"
    form = {"period_start": "2014-01-01", "period_end": "2014-03-31", "reported_status": "on_track",
            "narrative": "Sent from two tabs at once.", "form_key": str(uuid.uuid4()), "submit": "1"}
    clients = [Client(), Client()]
    for c in clients:
        c.force_login(lead)
    start, answers = threading.Barrier(len(clients)), []

    def send(client):
        try:
            start.wait()
            answers.append(client.post(url, form))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    update = ProgressUpdate.objects.get(author=lead)
    assert [r.status_code for r in answers] == [302, 302]
    assert {r["Location"] for r in answers} == {reverse("activities:update-detail", args=[update.pk])}
    assert update.review_state == "submitted"
