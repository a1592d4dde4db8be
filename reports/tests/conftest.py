# The queue tests' chamber day (issue #17): walk-ins in the reports.
from scheduling.tests.queue_world import chamber_day, ten_oclock  # noqa: F401
