"""GET /api_gateway/v1/badges/badgeMeta/getFixedWindowDetails: a badge's fixed-window cycles and their earns."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.cycles import FixedWindowDetails
from badges.domain.enums import ConstraintLevel, lenient
from badges.domain.fields import INT32_MAX, INT64_MAX, MAX_ID
from badges.domain.identity import Caller
from badges.domain.values import query_time
from badges.service.fixed_windows import MAX_CYCLES, CycleQuery, fixed_window_details
from badges.store.badges import badge_store
from badges.store.earning import earn_store

app = build_resolver()


@app.get("/api_gateway/v1/badges/badgeMeta/getFixedWindowDetails")
def get_fixed_window_details(
    badgeMetaId: Annotated[str, Query(max_length=MAX_ID)],
    caller: Annotated[Caller, Depends(current_caller)],
    constraintType: Annotated[ConstraintLevel, lenient(ConstraintLevel),
                              Query(description="BADGE, CUSTOMER or ALL.")] = ConstraintLevel.ALL,
    customerId: Annotated[int | None, Query(ge=0, le=INT64_MAX)] = None,
    fixedWindowCycleReferenceId: Annotated[str | None, Query(max_length=MAX_ID)] = None,
    includeEarnCount: Annotated[bool, Query(description="Each cycle's earn count.")] = False,
    startDate: Annotated[str | None, Query(max_length=MAX_ID, description="Epoch or ISO 8601.")] = None,
    endDate: Annotated[str | None, Query(max_length=MAX_ID, description="Epoch or ISO 8601.")] = None,
    page: Annotated[int, Query(ge=0, le=INT32_MAX, description="0 for the first page.")] = 0,
    size: Annotated[int, Query(ge=1, le=MAX_CYCLES)] = 10,
) -> Envelope[FixedWindowDetails]:
    query = CycleQuery(badgeMetaId, constraintType, customerId, fixedWindowCycleReferenceId, includeEarnCount,
                       query_time("startDate", startDate), query_time("endDate", endDate), page, size)
    return Envelope(data=fixed_window_details(query, caller, badge_store(), earn_store()))


lambda_handler = entrypoint(app)
