"""What a queue row shows, read for a page's tickets in one small query.

A row names the ticket's requester and four pieces of configuration: its department,
priority, assignee and team. Read as model instances joined to the ticket, the page took
PostgreSQL longer to plan (a seven-table join) than to run, and the ORM longer to make its
150 instances than both. The requester's name is read with the ticket's own columns, in a
query compiled once; the rest are names from the remembered configuration
(helpdesk.remembered), whose version any rename bumps.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db.models import F, QuerySet

from helpdesk.db import AnyOf, Compiled, plain_sql, rows_of
from helpdesk.remembered import remembered
from tickets.models import Agent, Department, Priority, Team, Ticket

COLUMNS = (
    *("pk", "number", "subject", "status", "version", "resolution_due", "is_overdue"),
    *("updated_at", "requester__name", "department_id", "priority_id", "assignee_id", "team_id"),
)
STATUS_LABELS = dict(Ticket.Status.choices)


@dataclass(frozen=True)
class QueueRow:
    """One ticket as its queue row shows it (agents.templatetags.agent_panel.queue_table_rows)."""

    pk: int
    number: str
    subject: str
    status: str
    version: int
    resolution_due: datetime | None
    is_overdue: bool
    updated_at: datetime
    requester: str
    department: str
    priority: str
    urgency: int
    assignee: str | None
    team: str | None

    @property
    def is_active(self) -> bool:
        return self.status in Ticket.ACTIVE_STATUSES

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class Names:
    """The configuration's names a row shows, by id."""

    departments: dict[int, str]
    priorities: dict[int, tuple[str, int]]  # (label, urgency)
    agents: dict[int, str]
    teams: dict[int, str]

    def name_all(self, values: tuple) -> bool:
        """Whether these names include all that a row's `values` (`COLUMNS`) point at."""
        *_own, department_id, priority_id, assignee_id, team_id = values
        return (
            department_id in self.departments
            and priority_id in self.priorities
            and (assignee_id is None or assignee_id in self.agents)
            and (team_id is None or team_id in self.teams)
        )


def queue_rows(ids: list[int]) -> list[QueueRow]:
    """The rows of the tickets `ids`, in that order (one deleted meanwhile is left out)."""
    by_id = {values[0]: values for values in _read(ids)}
    names = remembered("queue-row-names", _read_names)
    if not all(names.name_all(values) for values in by_id.values()):
        names = _read_names()  # configuration added behind the models' backs (SQL)
    return [_row(by_id[pk], names) for pk in ids if pk in by_id]


def _read(ids: list[int]) -> list[tuple]:
    compiled = _compiled_read()
    if compiled is None:
        return list(_reading(ids))
    sql, _placeholder_ids = compiled
    return rows_of((sql, (ids,)))


@cache
def _compiled_read() -> Compiled | None:
    """The read compiled once: on PostgreSQL its one parameter is the array of ids
    (`AnyOf`), so the same SQL reads any page's rows. None elsewhere (SQLite)."""
    compiled = plain_sql(_reading([]))
    if compiled is None or compiled[1] != ([],):
        return None
    return compiled


def _reading(ids: list[int]) -> QuerySet[Ticket, tuple]:
    return Ticket.objects.filter(AnyOf(F("pk"), ids)).order_by().values_list(*COLUMNS)


def _row(values: tuple, names: Names) -> QueueRow:
    *own, requester, department_id, priority_id, assignee_id, team_id = values
    priority, urgency = names.priorities[priority_id]
    return QueueRow(
        *own,
        requester=requester,
        department=names.departments[department_id],
        priority=priority,
        urgency=urgency,
        assignee=names.agents[assignee_id] if assignee_id else None,
        team=names.teams[team_id] if team_id else None,
    )


def _read_names() -> Names:
    return Names(
        departments={department.pk: str(department) for department in Department.objects.all()},
        priorities={
            priority.pk: (str(priority), priority.urgency) for priority in Priority.objects.all()
        },
        agents={agent.pk: str(agent) for agent in Agent.objects.select_related("user")},
        teams={team.pk: team.name for team in Team.objects.all()},
    )
