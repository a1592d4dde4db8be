"""Parameter types the API's routers share."""

from datetime import date, timedelta
from typing import Annotated

from pydantic import Field

# An integer the database's integer columns can hold (64 bits). A larger one in a filter
# or an OFFSET makes SQLite raise OverflowError, a 500; out of this range it is a 422.
DatabaseInt = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]

# A day whose Dhaka midnight and the next are instants Python can hold
# (clinic_calendar.window): those of 0001-01-01 and 9999-12-31 are not, in UTC, and
# raised OverflowError; they are a 422.
CalendarDay = Annotated[
    date, Field(ge=date.min + timedelta(days=1), le=date.max - timedelta(days=1))
]
