"""What a queue row shows, read by the query that finds the page's rows.

A row names the ticket's requester and four pieces of configuration: its department,
priority, assignee and team. Read as model instances joined to the ticket, the page took
PostgreSQL longer to plan (a seven-table join) than to run, and the ORM longer to make its
150 instances than both. The ticket's own columns and the requester's name (`SHOWN`) come
with the page's ids (tickets.queues.heads_query); the rest are names from the remembered
configuration (helpdesk.remembered), whose version any rename bumps.
"""

from dataclasses import dataclass
from datetime import datetime

from helpdesk.remembered import remembered
from tickets.models import Agent, Department, Priority, Team, Ticket
from tickets.queues import Heads

# What the query that finds a page's rows reads for them, besides id, version and updated_at.
SHOWN = (
    *("number", "subject", "status", "resolution_due", "is_overdue", "requester__name"),
    *("department_id", "priority_id", "assignee_id", "team_id"),
)
STATUS_LABELS = dict(Ticket.Status.choices)


@dataclass(frozen=True)
class QueueRow:
    """One ticket as its queue row shows it (agents.templatetags.agent_panel.queue_table_rows)."""

    pk: int
    version: int
    updated_at: datetime
    number: str
    subject: str
    status: str
    resolution_due: datetime | None
    is_overdue: bool
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
        """Whether these names include all that a row's `values` (`SHOWN`) point at."""
        *_own, department_id, priority_id, assignee_id, team_id = values
        return (
            department_id in self.departments
            and priority_id in self.priorities
            and (assignee_id is None or assignee_id in self.agents)
            and (team_id is None or team_id in self.teams)
        )


def queue_rows(heads: Heads) -> list[QueueRow]:
    """The rows of a page found with `SHOWN` (`keyset_heads(…, shown=SHOWN)`)."""
    values = [(*row[:3], *shown) for row, shown in zip(heads.rows, heads.shown, strict=True)]
    names = remembered("queue-row-names", _read_names)
    if not all(names.name_all(row) for row in values):
        names = _read_names()  # configuration added behind the models' backs (SQL)
    return [_row(row, names) for row in values]


def _row(values: tuple, names: Names) -> QueueRow:
    pk, version, updated_at, *own, requester, department_id, priority_id, assignee_id, team_id = (
        values
    )
    priority, urgency = names.priorities[priority_id]
    return QueueRow(
        pk,
        version,
        updated_at,
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
