"""Concurrent writers: a transaction the database aborts (deadlock, serialisation failure) is run again once, a
second failure answers 503 with what the user typed, writers lock rows in one order, and many writers at once
lose nothing and never get a 500."""
import collections
import itertools
import logging
import random
import threading
import time
from html.parser import HTMLParser

import psycopg2.errors
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, connections, transaction
from django.test import Client
from django.urls import reverse

from accomplishments.models import Member
from activities import services
from activities.models import Activity, Contribution, EvidenceFile, Milestone, ProgressUpdate

PDF = b"%PDF-1.4\n" + b"%evidence " * 2000 + b"\n%%EOF\n"


def _a1(label):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label=label, parent=None)


def _aborted():
    """What Django raises when PostgreSQL ends a deadlocked transaction (the driver's error is its cause)."""
    try:
        raise OperationalError("deadlock detected") from psycopg2.errors.DeadlockDetected("deadlock detected")
    except OperationalError as exc:
        return exc


def deadlocking(monkeypatch, name, times):
    """Make services.<name> do its work and then fail as a deadlock victim, the first `times` calls."""
    real, calls = getattr(services, name), []

    def flaky(**kwargs):
        calls.append(kwargs)
        result = real(**kwargs)  # the write happens, and the rollback must undo it
        if len(calls) <= times:
            raise _aborted()
        return result

    monkeypatch.setattr(services, name, flaky)
    return calls


def _progress_form(narrative, **files):
    return {"period_start": "2014-04-01", "period_end": "2014-06-30", "reported_status": "on_track",
            "narrative": narrative, "evidence_links": "https://www.cbd.int/", "submit": "1", **files}


# The retry, made deterministic ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deadlocked_progress_submission_is_run_again_and_saved_once(client_as, seed_plan, monkeypatch, settings,
                                                                      tmp_path):
    settings.MEDIA_ROOT = tmp_path
    calls = deadlocking(monkeypatch, "progress_update_save", times=1)
    m = _a1("a")
    url = reverse("activities:update-create") + f"?milestone={m.pk}"
    r = client_as("biodiversity-lead").post(url, _progress_form(
        "Retried narrative.", attachments=[SimpleUploadedFile("report.pdf", PDF)]), follow=True)
    assert r.status_code == 200 and len(calls) == 2
    assert r.content.decode().count("Progress update submitted for review.") == 1  # the aborted run's message went
    update = ProgressUpdate.objects.get(milestone=m)
    assert (update.narrative, update.review_state) == ("Retried narrative.", "submitted")
    assert [f.file.read() for f in EvidenceFile.objects.filter(update=update)] == [PDF]  # read again from the start
    assert {h.history_user.username for h in update.history.all()} == {"biodiversity-lead"}


@pytest.mark.django_db
def test_a_large_upload_survives_the_retry(client_as, seed_plan, monkeypatch, settings, tmp_path):
    """Past FILE_UPLOAD_MAX_MEMORY_SIZE an upload is a temporary file, which the first run moved into the storage."""
    settings.MEDIA_ROOT = tmp_path
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    deadlocking(monkeypatch, "progress_update_save", times=1)
    m = _a1("b")
    r = client_as("biodiversity-lead").post(reverse("activities:update-create") + f"?milestone={m.pk}",
                                            _progress_form("Big file.", attachments=[SimpleUploadedFile("r.pdf", PDF)]))
    assert r.status_code == 302
    assert [f.file.read() for f in EvidenceFile.objects.filter(update__milestone=m)] == [PDF]


@pytest.mark.django_db
def test_two_deadlocks_answer_503_with_the_narrative_kept(client_as, seed_plan, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    calls = deadlocking(monkeypatch, "progress_update_save", times=2)
    m = _a1("a")
    narrative = "Three workshops held; the mapping tool is in beta <and> tested."
    r = client_as("biodiversity-lead").post(reverse("activities:update-create") + f"?milestone={m.pk}", _progress_form(
        narrative, attachments=[SimpleUploadedFile("report.pdf", PDF)]))
    html = r.content.decode()
    assert r.status_code == 503 and len(calls) == 2 and r["Retry-After"]
    assert "The database was busy and your change was not saved." in html
    assert "The files you attached were not saved: attach them again." in html
    assert "Three workshops held; the mapping tool is in beta &lt;and&gt; tested." in html  # in the form, escaped
    assert 'name="submit"' in html
    assert not ProgressUpdate.objects.filter(milestone=m).exists() and not EvidenceFile.objects.exists()


@pytest.mark.django_db
def test_a_deadlocked_status_change_is_retried_then_answers_503(client_as, seed_plan, demo_users, monkeypatch):
    m = _a1("c")
    client = client_as("biodiversity-lead")
    url = reverse("activities:milestone-status", args=[m.pk])
    data = {f"m{m.pk}-status": "delayed", f"m{m.pk}-completed_on": "", f"m{m.pk}-version": m.version}
    deadlocking(monkeypatch, "milestone_set_status", times=1)
    assert client.post(url, data).status_code == 302
    m.refresh_from_db()
    assert (m.status, m.version) == ("delayed", 2)  # once, not twice
    assert [(h.version, h.history_user.username) for h in m.history.order_by("-history_date")[:1]] == [
        (2, "biodiversity-lead")]
    deadlocking(monkeypatch, "milestone_set_status", times=2)
    r = client.post(url, {**data, f"m{m.pk}-status": "at_risk", f"m{m.pk}-version": 2})
    assert r.status_code == 503 and "The database was busy" in r.content.decode()
    assert 'value="at_risk" selected' in r.content.decode()  # the user's choice, shown again
    m.refresh_from_db()
    assert m.status == "delayed"
    deadlocking(monkeypatch, "milestone_set_status", times=2)
    r = client.post(url, {**data, f"m{m.pk}-status": "at_risk", f"m{m.pk}-version": 2}, HTTP_HX_REQUEST="true")
    # base.html lets htmx swap a 503 (and a 409) into the row, so the answer keeps its true status
    assert r.status_code == 503 and "The database was busy" in r.content.decode()
    assert 'value="at_risk" selected' in r.content.decode()
    m.refresh_from_db()
    assert m.status == "delayed"


@pytest.mark.django_db
def test_a_contribution_edit_that_fails_twice_keeps_the_note(client_as, seed_plan, monkeypatch):
    client = client_as("unido-focal")
    c = Contribution.objects.create(member=Member.objects.get(acronym="UNIDO"), activity=_a1("a").activity,
                                    kind="time", year=2014, staff_days=3)
    deadlocking(monkeypatch, "record_update", times=2)
    r = client.post(reverse("activities:contribution-edit", args=[c.pk]), {
        "member": c.member_id, "activity": c.activity_id, "kind": "time", "year": 2014, "staff_days": "4",
        "amount_usd": "", "state": "pledged", "note": "Two staff at the Nairobi workshop", "version": c.version})
    assert r.status_code == 503
    assert "Two staff at the Nairobi workshop" in r.content.decode()
    c.refresh_from_db()
    assert (c.staff_days, c.note) == (3, "")


@pytest.mark.django_db
def test_an_action_without_a_form_shows_the_typed_reason_on_503(client_as, seed_plan, demo_users, monkeypatch):
    update = ProgressUpdate.objects.create(
        activity=_a1("a").activity, milestone=_a1("a"), author=demo_users["biodiversity-lead"],
        period_start="2014-04-01", period_end="2014-06-30", reported_status="on_track", narrative="Done.",
        review_state="submitted")
    deadlocking(monkeypatch, "progress_update_return", times=2)
    r = client_as("secretariat").post(reverse("activities:update-return", args=[update.pk]),
                                      {"reason": "Please add the workshop report."})
    html = r.content.decode()
    assert r.status_code == 503 and "The database was busy" in html and "Please add the workshop report." in html
    update.refresh_from_db()
    assert update.review_state == "submitted"


# Lock order, with real transactions -----------------------------------------------------------------------


def _wait_until_blocked(n=1, timeout=10):
    """Wait until n other sessions of this database wait for a lock."""
    end = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < end:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            if cursor.fetchone()[0] >= n:
                return
            time.sleep(0.02)
    raise AssertionError("no session waited for a lock")


def _in_thread(func, errors):
    def run():
        try:
            func()
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's connections
    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_accepting_an_update_locks_its_milestone_first(seed_plan, demo_users, seed_restored_after):
    """A writer holding a milestone and then taking its update (the documented order) and the review of that
    update never wait for each other in a circle: the review waits for the milestone before taking the update."""
    m = _a1("a")
    update = ProgressUpdate.objects.create(
        activity=m.activity, milestone=m, author=demo_users["biodiversity-lead"], period_start="2014-04-01",
        period_end="2014-06-30", reported_status="delayed", narrative="Late.", review_state="submitted")
    holding, release, errors = threading.Event(), threading.Event(), []

    def milestone_then_update():
        with transaction.atomic():
            Milestone.objects.select_for_update().get(pk=m.pk)
            holding.set()
            release.wait(10)
            ProgressUpdate.objects.select_for_update().get(pk=update.pk)

    first = _in_thread(milestone_then_update, errors)
    assert holding.wait(10)
    review = _in_thread(lambda: services.progress_update_accept(update=update, by=demo_users["secretariat"]), errors)
    _wait_until_blocked()
    release.set()
    first.join(20)
    review.join(20)
    assert errors == []  # no deadlock victim
    update.refresh_from_db()
    m.refresh_from_db()
    assert (update.review_state, m.status) == ("accepted", "delayed")


# Many writers at once ------------------------------------------------------------------------------------


class _Fields(HTMLParser):
    """The values a browser would send back from a page's forms (inputs, selected options, text areas)."""

    def __init__(self):
        super().__init__()
        self.values, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox", "radio", "file"):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n")


def _fields(response):
    parser = _Fields()
    parser.feed(response.content.decode())
    return parser.values


SECONDS = 6  # each writer writes for this long
MAX_REQUESTS = 40  # and at most this many times


class Writers:
    """What the writers were answered, and what they were told was saved (checked against the data after)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers = collections.Counter()
        self.errors = []
        self.saved = collections.defaultdict(list)  # kind -> details of each save answered with success

    def answer(self, kind, response, success: bool, conflict: bool = False):
        with self.lock:
            code = response.status_code
            self.answers["500" if code >= 500 and code != 503 else "503" if code == 503 else
                         "saved" if success else "conflict" if conflict else f"other {code}"] += 1
            self.answers[f"{kind} {code}"] += 1
        return success


def _writer(w: Writers, username: str, index: int, milestones: list[int], end: float):
    """One user's session writing in a loop: status changes, progress submissions, contributions, reviews."""
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    rng = random.Random(f"{username}{index}")
    for n in itertools.count(1):
        if n > MAX_REQUESTS or time.monotonic() > end:
            break
        tag = f"{username}#{index}.{n}"
        if username == "unido-focal":
            _contribution_write(w, client, tag, rng, edit=n % 2 == 0)
        elif username == "secretariat" and n % 3 == 0:
            _review(w, client, tag)
        elif username != "secretariat" and n % 2 == 0:
            _file_progress(w, client, tag, rng.choice(milestones))
        else:
            _status_change(w, client, username, rng.choice(milestones), rng)


def _status_change(w, client, username, mid, rng):
    url = reverse("activities:milestone-status", args=[mid])
    data = _fields(client.get(url))
    version = int(data[f"m{mid}-version"])
    status = rng.choice(["on_track", "at_risk", "delayed", "not_started"])
    data.update({f"m{mid}-status": status, f"m{mid}-completed_on": ""})
    r = client.post(url, data)
    if w.answer("status", r, success=r.status_code == 302, conflict=r.status_code == 409):
        with w.lock:
            w.saved["status"].append((username, mid, version + 1, status))


def _file_progress(w, client, tag, mid):
    narrative = f"Progress {tag}: workshop held, report drafted."
    r = client.post(reverse("activities:update-create") + f"?milestone={mid}", _progress_form(narrative))
    if w.answer("progress", r, success=r.status_code == 302):
        with w.lock:
            w.saved["progress"].append(narrative)


def _review(w, client, tag):
    pending = list(ProgressUpdate.objects.filter(review_state="submitted").values_list("pk", flat=True)[:5])
    if not pending:
        return
    pk = random.choice(pending)
    r = client.post(reverse("activities:update-accept", args=[pk]))
    # A refused review (someone accepted it first) redirects to the update, or is forbidden once the update is no
    # longer waiting for review; an accepted one redirects to the queue.
    accepted = r.status_code == 302 and r["Location"] == reverse("activities:review-queue")
    if w.answer("accept", r, success=accepted, conflict=r.status_code in (302, 403) and not accepted):
        with w.lock:
            w.saved["accept"].append(pk)


def _contribution_write(w, client, tag, rng, edit):
    mine = list(Contribution.objects.filter(note__startswith="Contribution ").values_list("pk", flat=True))
    note = f"Contribution {tag}"
    if edit and mine:
        pk = rng.choice(mine)
        url = reverse("activities:contribution-edit", args=[pk])
        data = _fields(client.get(url))
        version = int(data["version"])
        data.update({"note": note, "staff_days": str(rng.randint(1, 30))})
        r = client.post(url, data)
        conflict = r.status_code == 409 or (r.status_code == 200 and "changed this record" in r.content.decode())
        if w.answer("contribution edit", r, success=r.status_code == 302, conflict=conflict):
            with w.lock:
                w.saved["contribution edit"].append((pk, version + 1, note))
        return
    activity = Activity.objects.get(accomplishment__code="A", number=rng.choice([1, 2]))
    r = client.post(reverse("activities:contribution-create"), {
        "member": Member.objects.get(acronym="UNIDO").pk, "activity": activity.pk, "kind": "time", "year": 2014,
        "staff_days": "2", "amount_usd": "", "state": "pledged", "note": note})
    if w.answer("contribution new", r, success=r.status_code == 302):
        with w.lock:
            w.saved["contribution new"].append(note)


def _lost(w: Writers) -> collections.Counter:
    """Saves answered with success that the data or its history do not hold."""
    lost = collections.Counter()
    for username, mid, version, status in w.saved["status"]:
        held = Milestone.history.filter(id=mid, version=version, status=status, history_user__username=username)
        lost["status"] += held.count() != 1
    for narrative in w.saved["progress"]:
        held = ProgressUpdate.objects.filter(narrative=narrative, review_state__in=["submitted", "accepted"])
        lost["progress"] += not (held.count() == 1 and held.get().history.filter(review_state="submitted").exists())
    for pk in w.saved["accept"]:
        held = ProgressUpdate.history.filter(id=pk, review_state="accepted", history_user__username="secretariat")
        lost["accept"] += held.count() != 1
    for note in w.saved["contribution new"]:
        held = Contribution.history.filter(note=note, history_type="+", history_user__username="unido-focal")
        lost["contribution new"] += held.count() != 1
    for pk, version, note in w.saved["contribution edit"]:
        held = Contribution.history.filter(id=pk, version=version, note=note, history_user__username="unido-focal")
        lost["contribution edit"] += held.count() != 1
    return lost


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_writers_at_once_lose_nothing_and_never_get_a_500(seed_plan, demo_users, seed_restored_after,
                                                                  caplog):
    """16 sessions write for a few seconds over the same and different milestones; every save answered with
    success is in the data and in its history, conflicts are refused (409), and nobody gets a 500."""
    a1 = list(Milestone.objects.filter(activity__accomplishment__code="A", activity__number=1, parent=None)
              .order_by("order").values_list("pk", flat=True)[:2])
    a2 = list(Milestone.objects.filter(activity__accomplishment__code="A", activity__number=2, parent=None)
              .order_by("order").values_list("pk", flat=True)[:2])
    esm = list(Milestone.objects.filter(activity__lead_body__short_name="IMG ESM", parent=None)
               .order_by("pk").values_list("pk", flat=True)[:2])
    writers = ([("secretariat", a1 + a2)] * 3 + [("biodiversity-lead", a1)] * 3 + [("greeneconomy-lead", a2)] * 3
               + [("esm-lead", esm)] * 3 + [("unido-focal", [])] * 4)
    w = Writers()
    end = time.monotonic() + SECONDS
    caplog.set_level(logging.ERROR, logger="django.request")  # a refused conflict (409) is no news here
    with caplog.at_level(logging.WARNING, logger="emgplan.db"):
        threads = [_in_thread(lambda u=u, i=i, ms=ms: _writer(w, u, i, ms, end), w.errors)
                   for i, (u, ms) in enumerate(writers)]
        for thread in threads:
            thread.join(SECONDS + 60)
    retries = [r.getMessage() for r in caplog.records if "running it again" in r.getMessage()]
    lost = _lost(w)
    saves = sum(len(v) for v in w.saved.values())
    print(f"\n16 writers, {SECONDS} s: {sum(v for k, v in w.answers.items() if ' ' in k)} POSTs; saves {saves} "
          f"({', '.join(f'{k} {len(v)}' for k, v in sorted(w.saved.items()))}); conflicts refused "
          f"{w.answers['conflict']}; retries {len(retries)}; busy (503) {w.answers['503']}; 500s {w.answers['500']}; "
          f"lost {sum(lost.values())}\n  answers: {dict(sorted(w.answers.items()))}", *retries, sep="\n  ")
    assert w.errors == [] and not any(t.is_alive() for t in threads)
    assert w.answers["500"] == 0
    assert sum(lost.values()) == 0, lost
    assert not [k for k in w.answers if k.startswith("other")]  # every answer is a save, a conflict or busy
    assert all(len(w.saved[kind]) > 0 for kind in ("status", "progress", "contribution new"))
