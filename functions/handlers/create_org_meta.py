"""POST /api_gateway/v1/badges/orgMeta: set the org's badge settings (tags) up, once."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.identity import Caller
from badges.domain.org_meta import OrgMetaRequest, OrgMetaView
from badges.service import org_meta
from badges.store.org_meta import org_meta_store

app = build_resolver()


@app.post("/api_gateway/v1/badges/orgMeta")
def create_org_meta(
    request: Annotated[OrgMetaRequest, Body()], caller: Annotated[Caller, Depends(current_caller)]
) -> Envelope[OrgMetaView]:
    return Envelope(data=OrgMetaView.of(org_meta.create_org_meta(request, caller, org_meta_store())))


lambda_handler = entrypoint(app)
