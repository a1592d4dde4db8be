"""Parameter types the API's routers share."""

from typing import Annotated

from pydantic import Field

# An integer the database's integer columns can hold (64 bits). A larger one in a filter
# or an OFFSET makes SQLite raise OverflowError, a 500; out of this range it is a 422.
DatabaseInt = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
