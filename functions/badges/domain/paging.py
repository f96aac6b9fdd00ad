"""Capillary's offset paging (`page`, `size`, `order`) and its bounds, beside the project's `nextToken`."""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from badges.domain.errors import Err, ErrorDetail, ValidationFailed

# A listing request reads at most this many stored items (filtered out ones included), so `page` and `size` reach
# the first MAX_OFFSET_ITEMS items at most: (page + 1) * size beyond it is 400 (1002, reference `page`); `nextToken`
# (sort ID only) goes deeper, a bounded read at a time.
MAX_OFFSET_ITEMS = 1_000
MAX_SIZE = 100
DEFAULT_SIZE = 10
ORDERS = ("ASC", "DESC")
SORTS = ("ID", "NAME", "START_DATE")


@dataclass(frozen=True)
class PageRequest:
    """Which page a caller asks for: by offset (`page` of `size`) or, the project's extension, after a token."""

    page: int = 0
    size: int = DEFAULT_SIZE
    order: str = "ASC"
    sort_on: str = "ID"
    token: str | None = None

    def check(self) -> PageRequest:
        """This request, or 1002 when it reaches past the offset bound."""
        if self.token is None and (self.page + 1) * self.size > MAX_OFFSET_ITEMS:
            raise ValidationFailed([ErrorDetail.of(
                Err.INVALID_VALUE, "page", f"Invalid value: page and size reach the first {MAX_OFFSET_ITEMS} items "
                                           f"at most ((page + 1) * size); use nextToken to go further")])
        return self

    def query(self) -> dict[str, object]:
        """What of the request shapes a token's listing, for the token's signature (`page` does not: a token
        resumes where its page ended)."""
        return {"size": self.size, "order": self.order, "sortOn": self.sort_on}


def total_pages(total: int, size: int) -> int:
    return -(-total // size) if size else 0


class Pagination(BaseModel):
    """Where a page sits, as Capillary answers it; after a nextToken only `size` is known (the rest null)."""

    page: int | None
    size: int
    total: int | None  # the matches among the items the request read (at most MAX_OFFSET_ITEMS)
    totalPages: int | None
