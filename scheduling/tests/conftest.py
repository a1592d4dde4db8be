# The queue tests' chamber day (issue #17), for every scheduling test module.
from scheduling.tests.queue_world import chamber_day, ten_oclock  # noqa: F401
