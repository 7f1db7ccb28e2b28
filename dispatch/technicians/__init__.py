"""Field technicians' planning data: home base, working hours,
lunch, days off, and the shifts the planner builds on (``shifts.shifts_for``). The blueprint is
``dispatch.technicians.views.bp`` (kept out of this module so that importing the models pulls
in no views)."""
