"""Loading the 2014–2015 plan records the mandates the seed cites and links each to its work."""
import pytest

from activities.models import Activity, Milestone
from decisions.models import Decision
from workplans.loading import SEED_FILE, workplan_load

pytestmark = pytest.mark.django_db

SEED_TEXT = (SEED_FILE.parent / "EMG-SOM19-03-Rev1-workplan-2014-2015.txt").read_text()


def _activity(code):
    letter, number = code.split(".")
    return Activity.objects.get(accomplishment__code=letter, number=int(number))


def _mandates(obj):
    return sorted(obj.mandates.values_list("reference", flat=True))


def test_som19_mandates_the_chemicals_and_financing_milestones(seed_plan):
    som19 = Decision.objects.get(body="som", body_name="SOM19")
    assert som19.meeting.code == "SOM19"
    a3a = Milestone.objects.get(activity=_activity("A.3"), label="a", parent=None)
    a4a = Milestone.objects.get(activity=_activity("A.4"), label="a", parent=None)
    assert sorted(str(m) for m in som19.milestones.all()) == ["A.3(a)", "A.4(a)"]
    for m in (a3a, a4a):
        assert m.text.startswith("Upon the decision of SOM19")
        assert _mandates(m) == [som19.reference]
    assert not som19.activities.exists()


def test_c1_implements_the_ceb_decision_and_the_hlcm_framework(seed_plan):
    assert _mandates(_activity("C.1")) == ["CEB decision 5/4/2013", "HLCM 2013-2016 Strategic Framework"]
    assert "CEB decision 5/4/2013 and the HLCM 2013-2016 Strategic Framework" in SEED_TEXT
    assert Decision.objects.get(reference="CEB decision 5/4/2013").body == "ceb"
    assert Decision.objects.get(reference="HLCM 2013-2016 Strategic Framework").body == "hlcm"


def test_a1_and_a2_answer_cbd_cop_11_and_rio20(seed_plan):
    assert _mandates(_activity("A.1")) == ["CBD COP 11", "Rio+20 outcome document"]
    assert _mandates(_activity("A.2")) == ["Rio+20 outcome document"]
    assert "11th Conference of the Parties of the Convention on Biological Diversity" in SEED_TEXT
    assert "Rio+20 outcome document" in SEED_TEXT
    # Nothing else in the plan cites a mandate.
    cited = {a.code for a in Activity.objects.filter(mandates__isnull=False).select_related("accomplishment")}
    assert cited == {"A.1", "A.2", "C.1"}
    assert Decision.objects.count() == 5


def test_loading_again_reports_no_difference(seed_plan):
    result = workplan_load()
    assert result.mode == "report"
    assert [d for d in result.differences if d.label.startswith("decision")] == []
    assert Decision.objects.count() == 5


def test_a_mandate_removed_in_the_app_is_reported_not_restored(seed_plan):
    rio = Decision.objects.get(reference="Rio+20 outcome document")
    rio.activities.remove(_activity("A.2"))
    result = workplan_load()
    diffs = [d for d in result.differences if d.label == "decision Rio+20 outcome document"]
    assert [(d.field, d.file, d.database) for d in diffs] == [("activities", "A.1, A.2", "A.1")]
    assert _mandates(_activity("A.2")) == []


def test_an_unknown_milestone_in_a_mandate_is_refused_with_its_line(tmp_path):
    from workplans.loading import WorkPlanFileError

    text = SEED_FILE.read_text().replace("milestones: [A.3(a), A.4(a)]", "milestones: [A.3(a), A.9(a)]")
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace("EMG/SOM.19/03/Rev.1", "EMG/TEST/1"))
    before = Decision.objects.count()
    with pytest.raises(WorkPlanFileError, match=r'unknown activity or milestone "A.9\(a\)"'):
        workplan_load(path=path)
    assert Decision.objects.count() == before
