"""Every model, imported in one place for Alembic and the shell."""
from dispatch.people.models import ApiToken, Department, Group, Role, Skill, User  # noqa: F401
from dispatch.sites.models import Site  # noqa: F401
from dispatch.tickets.models import (  # noqa: F401
    Attachment,
    Category,
    CategoryField,
    Comment,
    Ticket,
    TicketEvent,
)
from dispatch.triage.models import KeywordRule, TriageDecision  # noqa: F401
from dispatch.mail.models import MailMessage, MailTemplate, OutboxMessage  # noqa: F401,E402
from dispatch.planning.models import CalendarFeed, Notification, PlanLock, PlanRun, Visit  # noqa: F401,E402
from dispatch.sites.geocoding import GeocodeCache  # noqa: F401,E402  (issue 4: places)
from dispatch.technicians.models import DayOff, TechnicianProfile, WorkingHours  # noqa: F401,E402
