"""Work that apps above this one add to the lead's and the secretariat's pages, without this app importing them.

An app registers a WorkSource in its AppConfig.ready(); My work, the review queue, the dashboard and the
reminders ask every registered source. Each callable reads in a fixed number of queries.
"""
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WorkItem:
    """One line on a page: what it is, where it stands, and where to open it."""

    label: str
    text: str
    status: str
    url: str
    extra: str = ""


@dataclass
class WorkSource:
    name: str  # a heading: "Actions of the senior officials"
    noun: str = "item"  # one of its items, for counts in sentences: "EMG action" (plural with an s)
    my_work: Callable = field(default=lambda user: [])  # user -> [WorkItem] to report on
    review_queue: Callable = field(default=lambda: [])  # () -> [WorkItem] waiting for review
    dashboard: Callable = field(default=lambda: [])  # () -> [str] one-line summaries
    waiting_review: Callable = field(default=lambda before: [])  # submitted before a moment -> [WorkItem]
    # (meeting id, date) -> [(lead body id, WorkItem)]: open work due at the meeting with nothing filed since the
    # date (submitted or accepted); the reminders of a reporting cycle add it to the lead digests.
    due_for_cycle: Callable = field(default=lambda meeting_id, since: [])


_sources: dict[str, WorkSource] = {}


def register(source: WorkSource) -> None:
    """Add (or replace, on a second ready()) the source under its name."""
    _sources[source.name] = source


def sources() -> list[WorkSource]:
    return list(_sources.values())
