"""The permission matrix: what each role gets from every URL the apps define.

Each app lists its rules in `<app>/tests/matrix.py` as `RULES = [Rule(...), ...]`;
emgplan/tests/test_permission_matrix.py walks all of them for every role, and fails when a URL
has no rule at all.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ["anonymous", "norole", "secretariat", "chair", "biodiversity-lead", "greeneconomy-lead",
         "unido-focal", "viewer"]
SIGNED_IN = set(ROLES) - {"anonymous", "norole"}
EVERYONE = SIGNED_IN  # every role; a signed-in user without a role is refused
ANY_USER = SIGNED_IN | {"norole"}  # pages about the user themself (notices, profile)
SECRETARIAT = {"secretariat"}
OK, LOGIN = "ok", "login"


@dataclass
class Rule:
    """`allowed` roles get OK (2xx, or a redirect that is not to sign-in); other signed-in roles get `denied`.

    Anonymous visitors are always sent to sign-in. `expect` overrides the outcome for single roles,
    e.g. {"greeneconomy-lead": 404} for an object outside that lead's scope.
    """

    url_name: str
    allowed: set[str]
    method: str = "GET"
    args: Callable[[Scope], list] = lambda s: []
    data: Callable[[Scope], dict] = lambda s: {}
    denied: int = 403
    expect: dict[str, int | str] = field(default_factory=dict)
    query: str | Callable[[Scope], str] = ""
    headers: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def outcome(self, role: str):
        if role in self.expect:
            return self.expect[role]
        if role == "anonymous":
            return LOGIN
        return OK if role in self.allowed else self.denied

    @property
    def id(self):
        return f"{self.method} {self.url_name}{' ' + self.note if self.note else ''}"


def get_and_post(url_name, allowed, **kw):
    """The same expectations for GET and POST (a POST that fails validation re-shows the form: OK)."""
    return [Rule(url_name, allowed, **kw), Rule(url_name, allowed, method="POST", **kw)]


def post_only(url_name, allowed, **kw):
    """A POST-only action: the allowed roles get 405 on GET, the others are refused first."""
    expect = kw.pop("expect", {})
    get_expect = {**{role: 405 for role in allowed}, **expect}
    return [Rule(url_name, allowed, expect=get_expect, **kw),
            Rule(url_name, allowed, method="POST", expect=expect, **kw)]


class Scope:
    """Objects inside and outside each role's scope, created on demand from the seed plan."""

    def __init__(self, users):
        self.users = users
        self._cache = {}

    def _once(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def activity(self, code: str):
        from activities.models import Activity

        letter, number = code.split(".")
        return Activity.objects.get(accomplishment__code=letter, number=int(number))

    def milestone(self, code: str, label: str = "a"):
        from activities.models import Milestone

        return Milestone.objects.get(activity=self.activity(code), parent=None, label=label)

    def member(self, acronym: str):
        from accomplishments.models import Member

        return Member.objects.get(acronym=acronym)

    def contribution(self, acronym: str):
        from activities.models import Contribution

        return self._once(("contribution", acronym), lambda: Contribution.objects.create(
            member=self.member(acronym), activity=self.activity("B.2"), kind="time", year=2014, staff_days=5))

    def update(self, code: str = "A.1", label: str = "a", state: str = "submitted", author: str = "biodiversity-lead"):
        from activities.models import ProgressUpdate

        def make():
            m = self.milestone(code, label)
            extra = {}
            if state == "accepted":
                extra = {"reviewer": self.users["secretariat"], "reviewed_at": datetime.datetime.now(datetime.UTC)}
            if state == "returned":
                extra = {"return_reason": "Please add the figures."}
            return ProgressUpdate.objects.create(
                activity=m.activity, milestone=m, period_start=datetime.date(2014, 1, 1),
                period_end=datetime.date(2014, 3, 31), author=self.users[author], reported_status="on_track",
                narrative=f"A {state} narrative.", review_state=state, **extra)

        return self._once(("update", code, label, state, author), make)

    def evidence(self, update):
        from django.core.files.base import ContentFile

        from activities.models import EvidenceFile

        def make():
            ev = EvidenceFile(update=update, original_name="note.txt", content_type="text/plain", size=5)
            ev.file.save("note.txt", ContentFile(b"notes"), save=False)
            ev.save()
            return ev

        return self._once(("evidence", update.pk), make)

    def fresh(self, model_name):
        """An unreferenced row, safe to delete."""
        from accomplishments.models import Meeting, Member
        from activities.models import LeadBody

        makers = {
            "meeting": lambda: Meeting.objects.create(code="TMP1", name="Temporary", start_date="2015-01-01",
                                                      end_date="2015-01-01"),
            "member": lambda: Member.objects.create(acronym="TMP", name="Temporary member"),
            "leadbody": lambda: LeadBody.objects.create(kind="img", name="Temporary IMG", short_name="TMP IMG"),
        }
        return self._once(("fresh", model_name), makers[model_name])
