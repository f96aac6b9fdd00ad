"""The OAuth signing keys as the functions read them: Powertools' SecretsProvider over a moto Secrets Manager."""
import json

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from moto import mock_aws

from badges.store.oauth_keys import OAuthKeys, initial_secret, oauth_keys, rotate

SECRET = "badges-oauth-keys"


class CountingClient:
    """A Secrets Manager client that counts its reads."""

    def __init__(self, client):
        self.client, self.reads = client, 0

    def get_secret_value(self, **kwargs):
        self.reads += 1
        return self.client.get_secret_value(**kwargs)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def secretsmanager():
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        client.create_secret(Name=SECRET, SecretString=initial_secret())
        yield client


@pytest.fixture
def counted(secretsmanager):
    return CountingClient(secretsmanager)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def keys(counted, clock):
    return OAuthKeys(SecretsProvider(boto3_client=counted), SECRET, clock=clock)


def test_the_keys_are_read_once_and_kept(keys, counted, secretsmanager):
    kid, key = keys.current()
    assert (kid, key) == ("k1", json.loads(secretsmanager.get_secret_value(SecretId=SECRET)["SecretString"])["k1"])
    assert keys.keys() == {"k1": key} and keys.keys("k1") == {"k1": key}
    assert counted.reads == 1


def test_an_unknown_kid_reads_the_secret_again_at_most_once_a_second(keys, counted, clock, secretsmanager):
    """Given keys read before a rotation, a token under the new kid finds it; forged kids cannot drive reads."""
    keys.current()
    new_kid = rotate(secretsmanager, SECRET)
    assert new_kid in keys.keys(new_kid) and "k1" in keys.keys(new_kid)
    assert counted.reads == 2
    for forged in ("k-forged-1", "k-forged-2"):
        assert forged not in keys.keys(forged)
    assert counted.reads == 2  # within the second of the last forced read: no read
    clock.now += 1
    for forged in ("k-forged-3", "k-forged-4"):
        assert forged not in keys.keys(forged)
    assert counted.reads == 3  # a second later: one read, for the first of them
    assert keys.current()[0] == new_kid  # the forced read refreshed what current() answers too


def test_the_functions_read_the_secret_the_settings_name(secretsmanager):
    kid, key = oauth_keys().current()
    assert kid == "k1" and oauth_keys().keys() == {"k1": key}
