"""Every method and path no route claims: 405 with Allow on a known path, 404 elsewhere, in the envelope."""
from aws_lambda_powertools.utilities.typing import LambdaContext

from badges.api.envelope import error_response
from badges.domain.errors import Err, ErrorDetail
from badges.routes import allowed_methods


def lambda_handler(event: dict, context: LambdaContext) -> dict:
    allowed = allowed_methods(event.get("path") or "")
    if allowed:
        return error_response(405, [ErrorDetail.of(Err.METHOD_NOT_ALLOWED, "httpMethod")],
                              {"Allow": ", ".join(allowed)})
    return error_response(404, [ErrorDetail.of(Err.NOT_FOUND, "path")])
