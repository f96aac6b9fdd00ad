"""POST /api_gateway/v1/badges/badgeMeta/{badgeId}/unclaim: an owner gives its claim on a badge up."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.claims import ClaimRequest, ClaimView
from badges.domain.identity import Caller
from badges.service import claims
from badges.store.badges import badge_store

app = build_resolver()


@app.post("/api_gateway/v1/badges/badgeMeta/<badgeId>/unclaim")
def unclaim_badge(
    badgeId: str, request: Annotated[ClaimRequest, Body()], caller: Annotated[Caller, Depends(current_caller)]
) -> Envelope[ClaimView]:
    claim = claims.unclaim_badge(badgeId, request, caller, badge_store())
    return Envelope(data=ClaimView(badgeMetaId=badgeId, **claim.model_dump()))


lambda_handler = entrypoint(app)
