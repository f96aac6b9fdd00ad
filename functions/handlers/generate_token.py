"""POST /v3/oauth/token/generate: a credential's key and secret in, an access token for an hour out."""
import time
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from badges.api.envelope import Envelope
from badges.api.resolver import build_resolver, entrypoint
from badges.domain.errors import BadgesError, Err, ErrorDetail, ValidationFailed
from badges.domain.oauth import TokenRequest, TokenResult
from badges.service.auth import generate_token as generate
from badges.store.credentials import credential_store
from badges.store.oauth_keys import oauth_keys

app = build_resolver()


@app.post("/v3/oauth/token/generate")
def generate_token(request: Annotated[TokenRequest, Body()]) -> Envelope[TokenResult]:
    missing = [ErrorDetail.of(Err.FIELD_REQUIRED, name, f"{name} is required")
               for name in ("key", "secret") if not getattr(request, name)]
    if missing:
        raise ValidationFailed(missing)
    issued = generate(request.key, request.secret, credential_store(), oauth_keys(), int(time.time()))
    if issued is None:
        raise BadgesError(Err.UNAUTHORIZED, "key")
    token, ttl = issued
    return Envelope(data=TokenResult(accessToken=token, ttlSeconds=ttl))


lambda_handler = entrypoint(app)
