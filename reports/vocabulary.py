"""The words a report uses for statuses, contribution states and its kind line: one place for the snapshot,
the renderers, compare and the request's masthead, taken from the models' own choices."""
from activities.models import Contribution, Milestone
from decisions.models import Decision

from .models import Report

STATUSES = list(Milestone.Status.choices)
# A report says which state is the delivered one: "Reported" alone reads like "reported as planned".
CONTRIBUTION_STATES = [(state, f"{label} (delivered)" if state == Contribution.State.REPORTED else label)
                       for state, label in Contribution.State.choices]
STATE_LABELS = dict(CONTRIBUTION_STATES)
KIND_LINES = {
    Report.Kind.SOM: "Note by the secretariat",
    Report.Kind.UNEA: "Report by the Chair of the Environment Management Group",
}
ACTION_STATUSES = list(Decision.Status.choices)
