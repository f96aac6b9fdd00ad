"""POST /api_gateway/v1/badges/badgeMeta/customer/revokeIssue: revoke customers' issues (enrolments) of a badge."""
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, current_caller, entrypoint
from badges.domain.identity import Caller
from badges.domain.migration import RevokeIssueRequest, RevokeIssueResult
from badges.domain.values import now
from badges.service import migration
from badges.store.badges import badge_store
from badges.store.earning import earn_store

app = build_resolver()


@app.post("/api_gateway/v1/badges/badgeMeta/customer/revokeIssue")
def revoke_issue(
    request: Annotated[RevokeIssueRequest, Body()], caller: Annotated[Caller, Depends(current_caller)]
) -> Envelope[RevokeIssueResult]:
    return Envelope(data=migration.revoke_issues(request, caller, badge_store(), earn_store(), now()))


lambda_handler = entrypoint(app)
