"""GET /api_gateway/v1/badges/orgMeta: the org's badge settings (tags)."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.identity import Caller
from badges.domain.org_meta import OrgMetaView
from badges.service import org_meta
from badges.store.org_meta import org_meta_store

app = build_resolver()


@app.get("/api_gateway/v1/badges/orgMeta")
def get_org_meta(caller: Annotated[Caller, Depends(current_caller)]) -> Envelope[OrgMetaView]:
    return Envelope(data=OrgMetaView.of(org_meta.get_org_meta(caller, org_meta_store())))


lambda_handler = entrypoint(app)
