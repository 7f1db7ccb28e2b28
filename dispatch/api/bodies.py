"""What the API's requests may hold: the bodies and the query string, declared once.

The views read requests through these declarations, and the OpenAPI document describes the
same ones (api.openapi): a limit changed here changes both.
"""

from __future__ import annotations

from dispatch.api import fields as f
from dispatch.api import parsing as p
from dispatch.assets import services as assets
from dispatch.assets.models import AssetStatus
from dispatch.tickets import dispatch_input
from dispatch.tickets import services as tickets
from dispatch.tickets.job_places import ADDRESS_MAX
from dispatch.tickets.models import CHANNELS, Kind, Level, Priority, Status

MAX_PER_PAGE = 100

NEW_TICKET = f.Body(
    "NewTicket",
    "A new request, raised as the token's user.",
    {
        "subject": "Printer jams on every page",
        "description": "Since this morning, on the third floor.",
        "floor": "3",
        "room": "301",
        "impact": "medium",
        "urgency": "high",
    },
    subject=f.Text("What is wrong, in a line.", max_len=tickets.SUBJECT_MAX, required=True),
    description=f.Text("The details.", max_len=tickets.DESCRIPTION_MAX),
    site=f.Identifier("The site's id; default: the requester's site."),
    category=f.Identifier("The category's id (see GET /categories)."),
    # The column widths: longer values would be refused by PostgreSQL, not trimmed.
    building=f.Text("Building.", max_len=80),
    floor=f.Text("Floor.", max_len=40),
    room=f.Text("Room.", max_len=80),
    impact=f.Choice("How many it hinders; sets the priority.", choices=list(Level)),
    urgency=f.Choice("How soon it hurts; sets the priority.", choices=list(Level)),
    stops_work=f.Boolean("Whether it stops the requester's work; null or absent: not said."),
    fields=f.ScalarMap(
        "The category's extra fields by key: strings, numbers, booleans.",
        example={"asset_tag": "PR-0042"},
    ),
    latitude=f.Number("Where the requester is, when not at a site (with longitude)."),
    longitude=f.Number("Where the requester is, when not at a site (with latitude)."),
    parent=f.Identifier("A ticket the token's user can see: this one becomes its sub-ticket."),
    asset=f.Identifier(
        "The device it is about: one the token's user sees (GET /assets) or one in the room "
        "the request names. A request without a place of its own takes the device's."
    ),
)

TRIAGE = f.Body(
    "Triage",
    "A dispatcher's decision. A key left out keeps the ticket's value; null clears it.",
    {"kind": "onsite", "priority": "high", "duration_min": 45, "version": 1},
    kind=f.Choice("Fixed remotely, or someone goes there.", choices=list(Kind), required=True),
    category=f.Identifier("The category's id."),
    priority=f.Choice("The priority.", choices=list(Priority)),
    assignee=f.Identifier("An agent (remote) or a technician (on-site)."),
    group=f.Identifier("A group of agents (remote only)."),
    duration_min=f.Integer(
        "Minutes on site (on-site).", minimum=1, maximum=dispatch_input.DURATION_MAX
    ),
    skills=f.IdList("The skills the visit needs (on-site)."),
    required_technicians=f.IdList(
        "Only these technicians may make the visit (on-site; user ids); null or []: any."
    ),
    prohibited_technicians=f.IdList(
        "These technicians never make the visit (on-site; user ids); null or []: none."
    ),
    preferred_technician=f.Identifier(
        "The technician the site asked for (on-site; a user id): planned unless that costs "
        "too much. Null: the one who last visited the device, if any."
    ),
    access_from=f.Clock("From when the place can be visited, HH:MM local time.", example="08:00"),
    access_until=f.Clock("Until when the place can be visited, HH:MM local time."),
    appointment_start=f.Moment("An agreed appointment's start, with its offset."),
    appointment_end=f.Moment("An agreed appointment's end, with its offset."),
    due_at=f.Moment("When it must be done by, with its offset.", example="2026-11-30T09:00:00Z"),
    address=f.Text(
        "The job's own address when away from its site (on-site); no control characters; "
        "null or empty clears it.",
        max_len=ADDRESS_MAX,
    ),
    version=f.Integer(
        "The version you read: a later change by someone else is then a 409.",
        minimum=1,
        maximum=p.MAX_ID,
    ),
)

REPORT_FILTERS = f.Query(
    start=f.DateParam("The period's first day (UTC); default: twelve weeks before the end."),
    end=f.DateParam("The period's last day, included (UTC); default: this week's Sunday."),
    site=f.IntParam("Only requests at this site (id).", minimum=1, maximum=p.MAX_ID),
    department=f.IntParam("Only requests of this department (id).", minimum=1, maximum=p.MAX_ID),
    category=f.IntParam("Only requests of this category (id).", minimum=1, maximum=p.MAX_ID),
    kind=f.ChoiceParam("Only remote or on-site requests.", choices=list(Kind)),
    channel=f.ChoiceParam("Only requests that came this way.", choices=CHANNELS),
)

TICKET_FILTERS = f.Query(
    status=f.ChoiceParam("Only tickets in this status.", choices=list(Status), example="new"),
    kind=f.ChoiceParam("Only remote or on-site tickets.", choices=list(Kind)),
    site=f.IntParam("Only tickets at this site (id).", minimum=1, maximum=p.MAX_ID),
    department=f.IntParam("Only tickets of this department (id).", minimum=1, maximum=p.MAX_ID),
    breached=f.ChoiceParam(
        "true: only tickets that missed a service-level deadline or whose next one has passed;"
        " false: only the others (tickets no policy applies to included).",
        choices=["true", "false"],
    ),
    q=f.TextParam(
        "A ticket number (#1042: only that ticket) or words that must all occur in the subject"
        " or description, ignoring case and diacritics.",
        max_len=200,
        example="imprimanta toner",
    ),
    cursor=f.TextParam(
        "Where the page starts: the next_cursor of the page before (absent: the first page).",
        max_len=500,
    ),
    per_page=f.IntParam("Tickets a page.", minimum=1, maximum=MAX_PER_PAGE, default=25),
)


def _asset_fields(required: bool) -> dict[str, f.Field]:
    """The keys of an asset body; on create the type and the tag are required."""
    limits = assets.TEXT_LIMITS
    return dict(
        type=f.Identifier("The asset type's id.", required=required),
        tag=f.Text("The tag on its label (any case; stored upper-case).", max_len=40,
                   required=required),
        **{name: f.Text(f"{name.capitalize()}.", max_len=limits[name]) for name in limits},
        site=f.Identifier("The site's id."),
        owner=f.Identifier("The owning person's user id (or a department, not both)."),
        department=f.Identifier("The owning department's id."),
        status=f.Choice("In use, in repair, spare or retired.", choices=list(AssetStatus)),
        purchased_on=f.Day("When it was bought."),
        warranty_until=f.Day("The last day of its warranty."),
        notes=f.Text("Notes.", max_len=assets.NOTES_MAX),
        fields=f.ScalarMap("The type's extra fields by key.", example={"toner": "CF259A"}),
    )  # fmt: skip


NEW_ASSET = f.Body(
    "NewAsset",
    "A new asset (dispatchers and admins).",
    {"type": 1, "tag": "PR-0042", "model": "LaserJet M404", "site": 1, "room": "301"},
    **_asset_fields(required=True),
)

ASSET_CHANGE = f.Body(
    "AssetChange",
    "Changes to an asset (dispatchers and admins). A key left out keeps its value; null clears it.",
    {"status": "in_repair", "version": 1},
    **_asset_fields(required=False),
    version=f.Integer(
        "The version you read: a later change by someone else is then a 409.",
        minimum=1,
        maximum=p.MAX_ID,
    ),
)

ASSET_FILTERS = f.Query(
    q=f.TextParam(
        "Words that must each occur in the tag, serial number, model or room (any case).",
        max_len=100,
        example="PR-00",
    ),
    site=f.IntParam("Only assets at this site (id).", minimum=1, maximum=p.MAX_ID),
    type=f.IntParam("Only assets of this type (id).", minimum=1, maximum=p.MAX_ID),
    status=f.ChoiceParam("Only assets in this status.", choices=list(AssetStatus)),
    cursor=f.TextParam(
        "Where the page starts: the next_cursor of the page before (absent: the first page).",
        max_len=500,
    ),
    per_page=f.IntParam("Assets a page.", minimum=1, maximum=MAX_PER_PAGE, default=25),
)
