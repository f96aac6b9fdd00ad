"""The earning service's unit tests again, on the DynamoDB adapter (moto): the in-memory fake keeps its contract."""
import pytest

from badges.store.badges import badge_store
from badges.store.earning import earn_store
from tests.unit.test_earning_service import *  # noqa: F403  the same tests, collected here on moto
from tests.unit.test_earning_service import Stores


@pytest.fixture
def stores(dynamodb) -> Stores:
    return Stores(badge_store(), earn_store())
