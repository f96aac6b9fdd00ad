"""GET /api_gateway/v1/badges/badgeMeta/{badgeId}: read one of the caller's org's badges."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Query

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.badges import BadgeView
from badges.domain.identity import Caller
from badges.domain.values import now
from badges.service import badges
from badges.store.badges import badge_store

app = build_resolver()


@app.get("/api_gateway/v1/badges/badgeMeta/<badgeId>")
def get_badge(
    badgeId: str,
    caller: Annotated[Caller, Depends(current_caller)],
    includeStatistics: Annotated[bool, Query(description="Accepted; issuedCount and earnedCount are always "
                                                         "answered (Capillary's examples show both).")] = True,
) -> Envelope[BadgeView]:
    return Envelope(data=BadgeView.of(badges.get_badge(badgeId, caller, badge_store()), now()))


lambda_handler = entrypoint(app)
