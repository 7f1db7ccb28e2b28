"""Preventive maintenance: plans on assets, their occurrences as on-site tickets made ahead of
time, and the calendar of what is due, planned, done and overdue."""
