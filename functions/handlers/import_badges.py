"""POST /api_gateway/v1/badges/import/customerBadges: import customers' earned badges (historical migration)."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body

from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.identity import Caller
from badges.domain.migration import ImportBody, ImportOutcome
from badges.domain.values import now
from badges.service import migration
from badges.store.badges import badge_store
from badges.store.earning import earn_store

app = build_resolver(array_body=True)


@app.post("/api_gateway/v1/badges/import/customerBadges")
def import_badges(
    items: Annotated[ImportBody, Body()], caller: Annotated[Caller, Depends(current_caller)]
) -> list[ImportOutcome]:
    return migration.import_earned(items, caller, badge_store(), earn_store(), now())


lambda_handler = entrypoint(app)
