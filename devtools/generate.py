"""A realistic synthetic plan N times the seed, for tests of scale and for benchmarks.

Deterministic for a given (scale, seed): the same rows every time. Written with bulk_create, so it
leaves no history rows (it is not anybody's change).
"""
import datetime
import random
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction

from accomplishments.models import ExpectedAccomplishment, Meeting, Member, WorkPlan
from activities.models import Activity, Contribution, LeadBody, Milestone, ProgressUpdate
from emgplan import fragments, roles
from workplans.loading import workplan_load

WORDS = (
    "the IMG agreed terms of reference and circulated a draft to members for comment; the secretariat "
    "convened a teleconference with focal points; consultations with UNCTs continued in three regions; "
    "the mapping tool now covers the Aichi Biodiversity Targets of strategic goals A to E; a background "
    "assessment on sound management of chemicals was commissioned; members provided inputs on the options "
    "paper; the peer-review mission visited headquarters and met senior management; the scorecard of "
    "environmental management milestones was published on Greening the Blue; training on sustainable "
    "procurement reached staff of twelve entities; the report on climate neutrality was released; "
    "findings will be presented to the senior officials; next steps include a workshop and a revised draft"
).split()
ROMAN = ["i", "ii", "iii", "iv", "v"]
SEED_SHAPE = {"A": 4, "B": 2, "C": 1, "D": 3}
STATUS_WEIGHTS = {"not_started": 3, "on_track": 6, "at_risk": 2, "delayed": 2, "completed": 4, "cancelled": 1}


def _narrative(rng, words):
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


@transaction.atomic
def plan_generate(*, scale: int, seed: int = 2014) -> WorkPlan:
    """Create (or return, if it exists) the synthetic plan for this scale and seed."""
    symbol = f"EMG/SYNTH.{scale}/{seed}"
    existing = WorkPlan.objects.filter(symbol=symbol).first()
    if existing:
        return existing
    if not WorkPlan.objects.filter(symbol="EMG/SOM.19/03/Rev.1").exists():
        workplan_load()
    rng = random.Random(f"{scale}-{seed}")
    seed_plan = WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1")
    meetings = list(Meeting.objects.filter(start_date__year__in=[2014, 2015]))
    lead_group, _ = Group.objects.get_or_create(name=roles.LEAD)
    focal_group, _ = Group.objects.get_or_create(name=roles.FOCAL_POINT)

    members = list(Member.objects.all())
    for k in range(len(members), 50):
        members.append(Member.objects.create(acronym=f"ENT-{k:02d}", name=f"Member entity {k:02d}"))
    tag = f"s{scale}-{seed}"
    # The synthetic plan is the one the benchmark works in: it becomes current, the seed's plan past.
    WorkPlan.objects.filter(status=WorkPlan.Status.CURRENT).update(status=WorkPlan.Status.PAST)
    plan = WorkPlan.objects.create(
        title=f"Synthetic work plan ×{scale} (seed {seed})", symbol=symbol, first_year=2014, last_year=2015,
        status=WorkPlan.Status.CURRENT,
    )
    bodies, leads = [], []
    for k in range(6 * scale):
        body = LeadBody.objects.create(
            kind=rng.choice(LeadBody.Kind.values), name=f"Lead body {k + 1} ({tag})", short_name=f"LB{k + 1}-{tag}",
            lead_member=rng.choice(members),
        )
        lead = User.objects.create(username=f"lead-{k + 1}-{tag}", email=f"lead-{k + 1}-{tag}@example.org")
        lead.groups.add(lead_group)
        body.leads.add(lead)
        bodies.append(body)
        leads.append(lead)
    for k, member in enumerate(members[: 10 * scale]):
        focal = User.objects.create(username=f"focal-{k + 1}-{tag}", email=f"focal-{k + 1}-{tag}@example.org")
        focal.groups.add(focal_group)
        member.focal_points.add(focal)

    activities = []
    for order, ea_seed in enumerate(seed_plan.accomplishments.order_by("order"), start=1):
        ea = ExpectedAccomplishment.objects.create(
            work_plan=plan, code=ea_seed.code, category=ea_seed.category, statement=ea_seed.statement, order=order)
        for number in range(1, SEED_SHAPE[ea.code] * scale + 1):
            activities.append(Activity(
                accomplishment=ea, number=number, title=f"Activity {ea.code}.{number}: {_narrative(rng, 6)[:-1]}",
                description=_narrative(rng, 40), lead_body=rng.choice(bodies)))
    Activity.objects.bulk_create(activities)

    def milestone(activity, parent, label, order):
        status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        meeting = rng.choice(meetings) if rng.random() < 0.4 else None
        due = None if meeting else datetime.date(2014, 1, 1) + datetime.timedelta(days=rng.randrange(0, 730))
        done = (datetime.date(2014, 1, 1) + datetime.timedelta(days=rng.randrange(0, 540))
                if status == "completed" else None)
        return Milestone(activity=activity, parent=parent, label=label, order=order, text=_narrative(rng, 25),
                         due_meeting=meeting, due_date=due, status=status, completed_on=done)

    tops = []
    for activity in activities:
        # The seed has 17 lettered milestones over 10 activities (1.7 each) ...
        for i in range(rng.choice([0, 1, 1, 2, 2, 3, 3])):
            tops.append(milestone(activity, None, "abcd"[i], i + 1))
    Milestone.objects.bulk_create(tops)
    children = []
    for parent in tops:
        # ... and 5 sub-items under 17 lettered milestones (0.3 each): keep N× the seed, not more.
        if rng.random() < 0.08:
            children.extend(milestone(parent.activity, parent, ROMAN[j], j + 1) for j in range(rng.randint(2, 5)))
    Milestone.objects.bulk_create(children)

    lead_of = {body.pk: lead for body, lead in zip(bodies, leads, strict=True)}
    secretariat = User.objects.filter(groups__name=roles.SECRETARIAT).first() or leads[0]
    updates = []
    for m in tops + children:
        for q in range(rng.choice([0, 1, 1, 2, 3])):
            start = datetime.date(2014, 1 + 3 * q, 1)
            state = rng.choices(["accepted", "submitted", "draft", "returned"], weights=[7, 1, 1, 1])[0]
            reviewed = state in ("accepted", "returned")
            updates.append(ProgressUpdate(
                activity=m.activity, milestone=m, period_start=start, period_end=start + datetime.timedelta(days=89),
                author=lead_of[m.activity.lead_body_id],
                reported_status=m.status if m.status != "completed" else "on_track",
                narrative=_narrative(rng, rng.randint(60, 180)), review_state=state,
                evidence_links="https://www.unemg.org/" if rng.random() < 0.3 else "",
                reviewer=secretariat if reviewed else None,
                reviewed_at=datetime.datetime(2014, 3 + 3 * q, 15, tzinfo=datetime.UTC) if reviewed else None,
                return_reason="Please add the figures for the period." if state == "returned" else "",
            ))
    ProgressUpdate.objects.bulk_create(updates)

    contributions = []
    for activity in activities:
        for _ in range(rng.randint(1, 5)):
            kind = rng.choice(Contribution.Kind.values)
            days = Decimal(rng.randint(1, 60)) if kind == "time" or rng.random() < 0.3 else None
            usd = Decimal(rng.randint(5, 500) * 100) if kind != "time" or days is None else None
            contributions.append(Contribution(
                member=rng.choice(members), activity=activity, kind=kind, year=rng.choice([2014, 2015]),
                staff_days=days, amount_usd=usd, state=rng.choice(Contribution.State.values)))
    Contribution.objects.bulk_create(contributions)
    fragments.retire(*fragments.KINDS)  # bulk_create and QuerySet.update send no signal
    return plan
