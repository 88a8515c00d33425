"""The calendar (``/calendar/``): every publication of the user across clips on a week, a month
or a list («Очередь»), in the user's time zone, with rescheduling of what is still scheduled.

Reads come from ``selectors``; the page's shapes from ``presenters``; moving a publication goes
through ``publishing.services.publication_reschedule``.
"""
