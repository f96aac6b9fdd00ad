"""The page tokens' HMAC key: one Secrets Manager secret, generated at deploy time, read by the listing functions."""
from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.oauth import key_secret

KEY_LENGTH = 64  # letters and digits: about 380 bits, more than HMAC-SHA256's 256 can use


class PageTokenKey(Construct):
    """The secret whose whole value is the key that seals nextToken; only the functions that list pages may read
    it."""

    def __init__(self, scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.secret = key_secret(
            self, description="Badges page token key: the HMAC-SHA256 key that seals nextToken",
            generator=secretsmanager.SecretStringGenerator(password_length=KEY_LENGTH, exclude_punctuation=True),
            removal_policy=removal_policy,
            no_rotation_lambda="The key seals page tokens that live a day at most and protects no data: replacing it "
                               "(put-secret-value) only refuses the tokens in flight with 1003, and their callers "
                               "list again. A rotation Lambda would add a function and a schedule to guard nothing "
                               "more.",
            readers="the listing functions' roles")
