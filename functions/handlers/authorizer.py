"""The API's Lambda REQUEST authorizer: Basic credentials or an OAuth token in, orgId and userId into the
request context. Verified callers are kept in memory for BADGES_AUTH_CACHE_TTL seconds."""
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from badges.config import settings
from badges.observability import logger
from badges.service.auth import VerifiedCallers
from badges.store.credentials import credential_store
from badges.store.oauth_keys import oauth_keys
from badges.store.retry import invocation_budget

verified = VerifiedCallers(ttl=settings().auth_cache_ttl)


@logger.inject_lambda_context
@event_source(data_class=APIGatewayAuthorizerRequestEvent)
def lambda_handler(event: APIGatewayAuthorizerRequestEvent, context: LambdaContext) -> dict:
    # A store that stays busy fails the authorizer in time (API Gateway then answers 503, AUTHORIZER_FAILURE).
    with invocation_budget(context):
        result = verified.resolve(dict(event.headers or {}), credential_store(), oauth_keys())
    if result is None:
        logger.info("refused credentials")
        raise Exception("Unauthorized")  # API Gateway answers 401 for exactly this message
    username, caller = result
    arn = event.parsed_arn
    policy = APIGatewayAuthorizerResponse(
        principal_id=username, region=arn.region, aws_account_id=arn.aws_account_id, api_id=arn.api_id,
        stage=arn.stage, context={"orgId": caller.org_id, "userId": caller.user_id},
    )
    # The policy must allow every route: one caller's requests may reach any of them.
    policy.allow_all_routes()
    return policy.asdict()
