"""The API's Lambda REQUEST authorizer: Basic credentials in, orgId and userId into the request context."""
from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from badges.api.observability import logger
from badges.service.auth import authenticate
from badges.store.credentials import credential_store


@logger.inject_lambda_context
@event_source(data_class=APIGatewayAuthorizerRequestEvent)
def lambda_handler(event: APIGatewayAuthorizerRequestEvent, context: LambdaContext) -> dict:
    authorization = event.headers.get("Authorization") or event.headers.get("authorization")
    result = authenticate(authorization, credential_store())
    if result is None:
        logger.info("refused credentials")
        raise Exception("Unauthorized")  # API Gateway answers 401 for exactly this message
    username, caller = result
    arn = event.parsed_arn
    policy = APIGatewayAuthorizerResponse(
        principal_id=username, region=arn.region, aws_account_id=arn.aws_account_id, api_id=arn.api_id,
        stage=arn.stage, context={"orgId": caller.org_id, "userId": caller.user_id},
    )
    # The result is cached per Authorization header, so it must allow every route, not just this one.
    policy.allow_all_routes()
    return policy.asdict()
