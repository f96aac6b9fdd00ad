"""badges-admin: add a credential (the secret is read, never printed) or rotate the OAuth signing key."""
from __future__ import annotations

import argparse
import getpass
import sys

import boto3

from badges.service.auth import add_credential
from badges.store.credentials import CredentialExists, DynamoCredentialStore
from badges.store.items import new_dynamodb_client
from badges.store.oauth_keys import rotate


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="badges-admin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-credential", help="store a salted hash of a caller's secret")
    add.add_argument("--table", required=True, help="the CredentialsTableName output of the stack")
    add.add_argument("--username", required=True)
    add.add_argument("--org-id", type=int, required=True)
    add.add_argument("--user-id", type=int, required=True)
    add.add_argument("--secret-stdin", action="store_true",
                     help="read the secret from standard input instead of prompting for it")
    add.add_argument("--replace", action="store_true", help="rotate the secret of an existing username")
    add.add_argument("--region", default=None)
    add.add_argument("--endpoint-url", default=None, help="a DynamoDB-compatible endpoint, for local use")
    rotate = commands.add_parser("rotate-oauth-key", help="sign new OAuth tokens with a new key; tokens signed "
                                                          "before stay valid until they expire")
    rotate.add_argument("--secret-id", required=True, help="the OAuthKeySecretArn output of the stack")
    rotate.add_argument("--region", default=None)
    rotate.add_argument("--endpoint-url", default=None, help="a Secrets Manager-compatible endpoint, for local use")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "rotate-oauth-key":
        client = boto3.client("secretsmanager", region_name=args.region, endpoint_url=args.endpoint_url)
        print(f"new tokens are signed with key {rotate(client, args.secret_id)}; earlier keys verify until their "
              "tokens expire")
        return 0
    secret = sys.stdin.readline().rstrip("\n") if args.secret_stdin else getpass.getpass("secret: ")
    if not secret:
        print("refused: the secret is empty", file=sys.stderr)
        return 2
    client = new_dynamodb_client(args.region, args.endpoint_url)
    try:
        add_credential(DynamoCredentialStore(client, args.table), args.username, secret, args.org_id,
                       args.user_id, replace=args.replace)
    except CredentialExists:
        print(f"refused: username {args.username!r} exists; pass --replace to rotate its secret", file=sys.stderr)
        return 1
    print(f"stored credential {args.username!r} for org {args.org_id}, user {args.user_id} in {args.table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
