"""PUT /api_gateway/v1/badges/badgeMeta/{badgeId}/deactivate: switch a badge off."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.badges import Activation
from badges.domain.identity import Caller
from badges.service import badges
from badges.store.badges import badge_store

app = build_resolver()


@app.put("/api_gateway/v1/badges/badgeMeta/<badgeId>/deactivate")
def deactivate_badge(badgeId: str, caller: Annotated[Caller, Depends(current_caller)]) -> Envelope[Activation]:
    badge = badges.set_active(badgeId, False, caller, badge_store())
    return Envelope(data=Activation(id=badge.id, isActive=badge.definition.active))


lambda_handler = entrypoint(app)
