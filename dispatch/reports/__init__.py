"""Reports: the figures a help desk is judged by, aggregated by the database.

One module per family of figures; each public function takes a Scope (dispatch.reports.scope:
the period and the filters) and returns plain rows (dicts of numbers and words), which the page,
the exports and the API all show the same way. What every figure counts: docs/reports.md.
"""
