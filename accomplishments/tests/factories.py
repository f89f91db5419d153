import datetime

import factory

from accomplishments.models import ExpectedAccomplishment, Meeting, Member, WorkPlan


class WorkPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPlan

    title = factory.Sequence(lambda n: f"Work plan {n}")
    symbol = factory.Sequence(lambda n: f"EMG/TEST.{n}/01")
    first_year = 2014
    last_year = 2015
    status = WorkPlan.Status.DRAFT


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    code = factory.Sequence(lambda n: f"MTG{n}")
    name = factory.LazyAttribute(lambda o: f"Meeting {o.code}")
    start_date = datetime.date(2014, 9, 25)
    end_date = factory.LazyAttribute(lambda o: o.start_date)
    place = "New York"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    acronym = factory.Sequence(lambda n: f"M{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Member entity {o.acronym}")


class ExpectedAccomplishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpectedAccomplishment

    work_plan = factory.SubFactory(WorkPlanFactory)
    code = factory.Sequence(lambda n: "ABCDEFGH"[n % 8])
    category = "Category"
    statement = "Statement of the result sought."
    order = factory.Sequence(int)
