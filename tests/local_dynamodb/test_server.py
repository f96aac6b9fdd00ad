"""One store, two ways in: this process's clients without a socket, any other caller over loopback."""
import boto3
import pytest
from botocore.exceptions import ClientError

from tests.local_dynamodb.conftest import TABLE, add, client_of, count, error, key


def test_a_client_over_loopback_and_one_in_process_share_the_store_and_its_rules(dynamodb, started):
    # Given a client over the loopback address, beside the test's in-process one
    remote = client_of(started[-1], boto3.session.Session())

    # When it writes an item (in flight for its hold)
    remote.transact_write_items(TransactItems=[add("hot")])

    # Then the in-process client sees the item, and conflicts with the held write
    assert count(dynamodb, "hot") == 1
    with pytest.raises(ClientError) as conflict:
        dynamodb.transact_write_items(TransactItems=[add("hot")])
    assert error(conflict) == ("TransactionCanceledException", ["TransactionConflict"])
    assert remote.get_item(TableName=TABLE, Key=key("hot"))["Item"]["n"] == {"N": "1"}
