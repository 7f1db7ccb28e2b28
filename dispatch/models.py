"""Every model, imported in one place for Alembic and the shell."""

from dispatch.assets.models import Asset, AssetType, AssetTypeField  # noqa: F401
from dispatch.audit.models import AdminEvent  # noqa: F401
from dispatch.directory.models import DirectorySync  # noqa: F401
from dispatch.mail.models import MailMessage, MailTemplate, OutboxMessage  # noqa: F401
from dispatch.maintenance.models import (  # noqa: F401
    MaintenanceOccurrence,
    MaintenancePlan,
)
from dispatch.my_day.models import CalendarFeed  # noqa: F401
from dispatch.notifications.models import Notification  # noqa: F401
from dispatch.people.models import (  # noqa: F401
    ApiToken,
    Department,
    EmailAlias,
    Group,
    Role,
    Skill,
    User,
)
from dispatch.planning.models import PlanLock, PlanRun, Visit  # noqa: F401
from dispatch.reports.models import ReportSettings, SiteManager, SummarySent  # noqa: F401
from dispatch.sites.geocoding import GeocodeCache  # noqa: F401
from dispatch.sites.models import Site  # noqa: F401
from dispatch.sla.models import ClosureDay, SlaPolicy, SlaWarning  # noqa: F401
from dispatch.technicians.models import DayOff, TechnicianProfile, WorkingHours  # noqa: F401
from dispatch.tickets.models import (  # noqa: F401
    Attachment,
    AttachmentChunk,
    Category,
    CategoryField,
    Comment,
    Ticket,
    TicketEvent,
    TicketTechnician,
)
from dispatch.triage.models import KeywordRule, TriageDecision  # noqa: F401
