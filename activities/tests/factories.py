import datetime

import factory
from django.contrib.auth.models import User

from accomplishments.models import WorkPlan
from accomplishments.tests.factories import ExpectedAccomplishmentFactory, MemberFactory, WorkPlanFactory
from activities.models import Activity, Contribution, LeadBody, Milestone, ProgressUpdate


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")


class LeadBodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadBody

    kind = LeadBody.Kind.IMG
    name = factory.Sequence(lambda n: f"IMG number {n}")
    short_name = factory.Sequence(lambda n: f"IMG{n}")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    accomplishment = factory.SubFactory(ExpectedAccomplishmentFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Activity title {n}")
    description = "What the activity does."
    lead_body = factory.SubFactory(LeadBodyFactory)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    activity = factory.SubFactory(ActivityFactory)
    label = factory.Sequence(lambda n: "abcdefghijklmnopqrstuvwxyz"[n % 26])
    text = factory.Sequence(lambda n: f"Milestone text {n}")


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    milestone = factory.SubFactory(MilestoneFactory)
    activity = factory.LazyAttribute(lambda o: o.milestone.activity)
    period_start = factory.Faker("date_between_dates", date_start=datetime.date(2014, 1, 1),
                                 date_end=datetime.date(2014, 3, 31))
    period_end = factory.LazyAttribute(lambda o: o.period_start)
    author = factory.SubFactory(UserFactory)
    reported_status = Milestone.Status.ON_TRACK
    narrative = "Progress narrative."


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contribution

    member = factory.SubFactory(MemberFactory)
    activity = factory.SubFactory(ActivityFactory)
    kind = Contribution.Kind.PERSONAL_TIME
    year = 2014
    staff_days = 10


def plan_build(*, activities_per_accomplishment: int, milestones_per_activity: int = 3, subitems: int = 2):
    """A plan of four accomplishments with the given breadth (tests of query counts grow it); it is the current
    plan (the one that was current becomes past), so the pages show it."""
    WorkPlan.objects.filter(status=WorkPlan.Status.CURRENT).update(status=WorkPlan.Status.PAST)
    plan = WorkPlanFactory(status=WorkPlan.Status.CURRENT)
    for order, code in enumerate("ABCD"):
        ea = ExpectedAccomplishmentFactory(work_plan=plan, code=code, order=order)
        for number in range(1, activities_per_accomplishment + 1):
            activity = ActivityFactory(accomplishment=ea, number=number)
            for i in range(milestones_per_activity):
                parent = MilestoneFactory(activity=activity, label="abcdefgh"[i], order=i)
                for j in range(subitems):
                    MilestoneFactory(activity=activity, parent=parent, label=["i", "ii", "iii", "iv"][j], order=j)
    return plan
