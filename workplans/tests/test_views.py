"""The import page (upload → review → draft plan) and the plan's document download, through the test client."""
import io
import re

import docx
import pytest
from django.core import signing
from django.urls import reverse

from accomplishments.models import ExpectedAccomplishment, WorkPlan
from activities.models import Activity, Milestone
from workplans.views import STATE_SALT

from .documents import SEED_DOCUMENT, docx_document, text_document

pytestmark = pytest.mark.django_db
URL = "/work-plans/import/"


def _counts():
    return (WorkPlan.objects.count(), ExpectedAccomplishment.objects.count(), Activity.objects.count(),
            Milestone.objects.count())


def _review(client, **upload):
    response = client.post(URL, upload)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def _posted(response):
    """What the browser sends back from the review page: every field as shown (the user's corrections on top)."""
    html = response.content.decode()
    data = {}
    for m in re.finditer(r'<input [^>]*name="([^"]+)"[^>]*>', html):
        tag = m.group(0)
        if 'type="checkbox"' in tag or 'type="submit"' in tag or 'type="file"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[m[1]] = _unescape(value[1]) if value else ""
    for m in re.finditer(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[m[1]] = _unescape(m[2].strip("\n"))
    for m in re.finditer(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', m[2])
        data[m[1]] = _unescape(chosen[1]) if chosen else ""
    return data


def _unescape(s):
    import html

    return html.unescape(s)


def test_the_review_shows_each_item_beside_its_source_and_saves_nothing(client_as):
    client = client_as("secretariat")
    before = _counts()
    response = _review(client, document=io.BytesIO(docx_document()) | _named("proposal.docx"))
    html = response.content.decode()
    assert "Review the plan read from proposal.docx" in html
    assert "A.1(b)" in html and "from table 1, row 3" in html  # the item and where it came from
    assert "Biodiversity beyond 2020" in html
    assert "SOM22, which is not among the meetings" in html  # a flag, with its place
    assert _counts() == before


def _named(name):
    class _Name:
        def __ror__(self, f):
            f.name = name
            return f
    return _Name()


def test_the_secretariat_corrects_an_item_and_creates_the_draft(client_as):
    client = client_as("secretariat")
    response = _review(client, text=text_document().decode())
    data = _posted(response)
    # A.1(b) is the second milestone form; its due meeting SOM22 is not in the database: choose SOM21 instead
    assert data["ms-1-text"] == "Report on progress to SOM22."
    data["ms-1-text"] = "Report on progress to SOM21."
    data["ms-1-due_meeting"] = "SOM21"
    data["act-1-title"] = "Exchange of information and outreach"
    response = client.post(URL, data)
    assert response.status_code == 302
    plan = WorkPlan.objects.get(symbol="EMG/SOM.21/04")
    assert response["Location"] == reverse("workplans:import-done", args=[plan.pk])
    assert plan.status == WorkPlan.Status.DRAFT
    ms = Milestone.objects.get(activity__accomplishment__work_plan=plan, activity__number=1,
                               activity__accomplishment__code="A", label="b")
    assert (ms.text, ms.due_meeting.code) == ("Report on progress to SOM21.", "SOM21")
    assert Activity.objects.get(accomplishment__work_plan=plan, accomplishment__code="A", number=2).title == \
        "Exchange of information and outreach"
    assert plan.history.first().history_change_reason == "Imported from pasted text"
    done = client.get(response["Location"]).content.decode()
    assert "Draft plan EMG/SOM.21/04 created" in done
    assert f'href="{reverse("activities:carry_over", args=[plan.pk])}"' in done
    assert f'href="{reverse("accomplishments:workplan-adopt", args=[plan.pk])}"' in done


def test_a_correction_the_models_refuse_keeps_every_correction_and_saves_nothing(client_as):
    client = client_as("secretariat")
    data = _posted(_review(client, text=text_document().decode()))
    data["act-0-title"] = "Biodiversity after 2020"  # a correction that must survive the error
    assert data["ms-5-label"] == "ii"
    data["ms-5-label"] = "i"  # B.1(a)(ii) relabelled (i): two sub-items (i)
    before = _counts()
    response = client.post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The plan was not created" in html and "a second label i" in html
    assert "Biodiversity after 2020" in html
    assert _counts() == before


def test_a_field_error_is_shown_beside_its_item(client_as):
    client = client_as("secretariat")
    data = _posted(_review(client, text=text_document().decode()))
    data["ms-0-text"] = ""
    data["plan-last_year"] = "2015"
    before = _counts()
    response = client.post(URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Some items need correcting" in html and "The last year cannot come before the first year." in html
    assert _counts() == before


def test_an_altered_review_is_refused(client_as):
    client = client_as("secretariat")
    data = _posted(_review(client, text=text_document().decode()))
    state = signing.loads(data["state"], salt=STATE_SALT)
    state["symbol"] = "EMG/FORGED/1"
    data["state"] = signing.dumps(state, salt="another salt", compress=True)
    before = _counts()
    response = client.post(URL, data)
    assert response.status_code == 400 and "choose the document again" in response.content.decode()
    assert _counts() == before


def test_a_review_with_forms_removed_is_refused(client_as):
    client = client_as("secretariat")
    data = _posted(_review(client, text=text_document().decode()))
    data["ms-TOTAL_FORMS"] = "2"
    before = _counts()
    response = client.post(URL, data)
    assert response.status_code == 400 and "do not match the document" in response.content.decode()
    assert _counts() == before


@pytest.mark.parametrize(("upload", "message"), [
    ({}, "Choose the document&#x27;s file, or paste its text."),
    ({"text": "Just some words"}, "no table of expected accomplishments"),
    ({"document": io.BytesIO(b"PK\x03\x04junk") | _named("plan.docx")}, "plan.docx cannot be imported"),
])
def test_bad_documents_are_refused_with_a_message(client_as, upload, message):
    client = client_as("secretariat")
    before = _counts()
    response = client.post(URL, upload)
    assert response.status_code == 400 and message in response.content.decode()
    assert _counts() == before


def test_the_seed_document_shows_the_existing_plan_warning(client_as):
    client = client_as("secretariat")
    response = _review(client, text=SEED_DOCUMENT.read_text())
    assert "is already in the database" in response.content.decode()


def test_the_plan_downloads_as_its_word_document(client_as, seed_plan):
    response = client_as("viewer").get(reverse("workplans:document", args=[seed_plan.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.docx"')
    document = docx.Document(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                        else response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "EMG/SOM.19/03/Rev.1" in text and "Proposed work plan 2014 - 2015" in text
    cells = [c.text for c in document.tables[0].columns[1].cells]
    assert any("(d) Prepare a UN contribution to the mid-term review" in c for c in cells)


def test_the_document_download_reads_the_plan_in_a_fixed_number_of_queries(client_as, seed_plan,
                                                                            django_assert_max_num_queries):
    client = client_as("viewer")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("workplans:document", args=[seed_plan.pk])).status_code == 200
