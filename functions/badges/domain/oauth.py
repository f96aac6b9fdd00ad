"""The OAuth token endpoint's body and answer, as Capillary's POST /v3/oauth/token/generate has them."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra={"example": {"key": "till", "secret": "..."}})

    key: str | None = Field(None, description="The credential's username.")
    secret: str | None = Field(None, description="The credential's secret (Capillary clients send md5(password)).")


class TokenResult(BaseModel):
    accessToken: str
    ttlSeconds: int
