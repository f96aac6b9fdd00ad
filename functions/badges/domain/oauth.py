"""The OAuth token endpoint's body and answer, as Capillary's POST /v3/oauth/token/generate has them."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from badges.domain.credentials import MAX_USERNAME_BYTES

MAX_SECRET = 1_024


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"example": {"key": "till", "secret": "..."}})

    key: str | None = Field(None, max_length=MAX_USERNAME_BYTES, description="The credential's username.")
    secret: str | None = Field(None, max_length=MAX_SECRET,
                               description="The credential's secret (Capillary clients send md5(password)).")


class TokenResult(BaseModel):
    accessToken: str
    ttlSeconds: int
