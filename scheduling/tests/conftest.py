# Fixtures for every scheduling test module: the queue tests' chamber day (issue #17) and
# a fake SSLCommerz on loopback for the payment tests (issue #21).
from scheduling.tests.fake_sslcommerz import fake_sslcommerz  # noqa: F401
from scheduling.tests.queue_world import chamber_day, ten_oclock  # noqa: F401
