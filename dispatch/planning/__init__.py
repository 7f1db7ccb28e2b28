"""Planning technicians' visits: the board (``views.bp``, /planning), the technician's day
(``my_day.bp``, /my-day) and the ``flask plan`` command (``cli.register``)."""
