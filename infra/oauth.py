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
        self.secret = key_secret(
            self, description="Badges OAuth token signing keys: {\"current\": id, id: key, ...}",
            generator=secretsmanager.SecretStringGenerator(
                secret_string_template=f'{{"current":"{INITIAL_KEY_ID}"}}', generate_string_key=INITIAL_KEY_ID,
                password_length=KEY_LENGTH, exclude_punctuation=True),
            removal_policy=removal_policy,
            no_rotation_lambda="The signing keys rotate with `badges-admin rotate-oauth-key`, which adds a new "
                               "current key and keeps the previous ones until every token they signed has expired; "
                               "a rotation Lambda would replace the whole value and refuse tokens issued before it.",
            readers="the token endpoint's and the authorizer's roles")


def key_secret(scope: Construct, *, description: str, generator: secretsmanager.SecretStringGenerator,
               removal_policy: RemovalPolicy, no_rotation_lambda: str, readers: str) -> secretsmanager.Secret:
    """A generated secret holding HMAC keys, with why it has no rotation Lambda (cdk-nag SMG4) and why the AWS
    managed key encrypts it (checkov CKV_AWS_149)."""
    secret = secretsmanager.Secret(scope, "Secret", description=description, generate_secret_string=generator,
                                   removal_policy=removal_policy)
    acknowledge(secret, "SMG4", no_rotation_lambda)
    checkov_skip(secret.node.default_child, "CKV_AWS_149",
                 f"Encrypted under the AWS managed aws/secretsmanager key; IAM already limits reading it to {readers}, "
                 "which a customer managed key's policy would only repeat.")
    return secret
