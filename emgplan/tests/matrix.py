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
EVERYONE = SIGNED_IN
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
    query: str = ""
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
