"""The OAuth signing keys: one Secrets Manager secret, generated at deploy time, rotated by the admin CLI."""
from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.nag import acknowledge, checkov_skip

# The secret's first value: {"current": "k1", "k1": "<64 random letters and digits>"}. The admin CLI adds keys
# k2, k3 ... and moves "current"; tokens carry the id of the key that signed them.
INITIAL_KEY_ID = "k1"
KEY_LENGTH = 64


class OAuthKeys(Construct):
    """The secret holding the HMAC keys that sign access tokens; only the token endpoint and the authorizer
    may read it."""

    def __init__(self, scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description="Badges OAuth token signing keys: {\"current\": id, id: key, ...}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=f'{{"current":"{INITIAL_KEY_ID}"}}',
                generate_string_key=INITIAL_KEY_ID,
                password_length=KEY_LENGTH,
                exclude_punctuation=True,
            ),
            removal_policy=removal_policy,
        )
        acknowledge(
            self.secret,
            "SMG4",
            "The signing keys rotate with `badges-admin rotate-oauth-key`, which adds a new current key and keeps "
            "the previous ones until every token they signed has expired; a rotation Lambda would replace the "
            "whole value and refuse tokens issued before it.",
        )
        checkov_skip(
            self.secret.node.default_child,
            "CKV_AWS_149",
            "Encrypted under the AWS managed aws/secretsmanager key; IAM already limits reading it to the token "
            "endpoint's and the authorizer's roles, which a customer managed key's policy would only repeat.",
        )
