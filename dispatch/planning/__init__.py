"""Planning technicians' visits: building the engine's problem from tickets and shifts, runs in
the background (``runs``, ``solve``, re-plan today in ``replan`` and ``staged``), publishing,
the board (``views.bp``, /planning) and the ``flask plan`` command (``cli.register``).

The technician's own day is :mod:`dispatch.my_day`; notifications are
:mod:`dispatch.notifications`.
"""
