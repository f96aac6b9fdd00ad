"""Custom field rules and use cases against an in-memory store: types, defaults, names, races."""
from dataclasses import dataclass, field

import pytest

from badges.domain.custom_fields import (
    CustomFieldRegistry,
    CustomFieldRequest,
    DataType,
    apply_custom_fields,
    conforms,
)
from badges.domain.errors import ValidationFailed
from badges.domain.identity import Caller
from badges.service import custom_fields
from badges.store.ports import StaleWrite

ALICE = Caller(org_id=100, user_id=7)


@dataclass
class InMemoryCustomFieldStore:
    """Registries by org, written only at the version read, as the DynamoDB adapter's condition does;
    `before_save` runs just before a write, to let another writer in."""

    registries: dict[int, CustomFieldRegistry] = field(default_factory=dict)
    before_save: list = field(default_factory=list)

    def registry(self, org_id: int) -> CustomFieldRegistry:
        return self.registries.get(org_id, CustomFieldRegistry(org_id=org_id))

    def save_registry(self, old: CustomFieldRegistry, new: CustomFieldRegistry) -> None:
        while self.before_save:
            self.before_save.pop(0)()
        if self.registry(old.org_id).version != old.version:
            raise StaleWrite(str(old.org_id))
        self.registries[old.org_id] = CustomFieldRegistry(org_id=old.org_id, fields=new.fields,
                                                          version=old.version + 1)


def req(name: str, data_type: str = "STRING", **extra) -> CustomFieldRequest:
    return CustomFieldRequest.model_validate({"name": name, "dataType": data_type, **extra})


@pytest.mark.parametrize(("value", "data_type", "expected"), [
    (1, DataType.INTEGER, True), ("-12", DataType.INTEGER, True), ("1.5", DataType.INTEGER, False),
    (True, DataType.INTEGER, False), (2**63, DataType.INTEGER, False), ("ten", DataType.INTEGER, False),
    (True, DataType.BOOLEAN, True), ("FALSE", DataType.BOOLEAN, True), (1, DataType.BOOLEAN, False),
    (1716803487, DataType.DATE, True), ("2024-05-27T09:51:27Z", DataType.DATE, True), ("soon", DataType.DATE, False),
    (3, DataType.STRING, True), ("x", DataType.STRING, True),
])
def test_values_conform_to_their_type(value, data_type, expected):
    assert conforms(value, data_type) is expected


def test_a_race_for_one_name_leaves_one_field():
    store = InMemoryCustomFieldStore()
    store.before_save.append(lambda: custom_fields.create_custom_field(req("Terms"), ALICE, store))
    with pytest.raises(ValidationFailed) as refused:
        custom_fields.create_custom_field(req("Terms"), ALICE, store)
    assert [d.code for d in refused.value.details] == [1080]
    assert [f.name for f in store.registry(100).fields] == ["Terms"]


def test_a_concurrent_other_write_is_kept_and_ours_applied_after_it():
    store = InMemoryCustomFieldStore()
    store.before_save.append(lambda: custom_fields.create_custom_field(req("Other"), ALICE, store))
    custom_fields.create_custom_field(req("Terms"), ALICE, store)
    assert sorted(f.name for f in store.registry(100).fields) == ["Other", "Terms"]
    assert store.registry(100).version == 2


def test_defaults_fill_mandatory_fields_and_nulls_count_as_left_out():
    store = InMemoryCustomFieldStore()
    custom_fields.create_custom_field(req("A", isMandatory=True, defaultValue="a"), ALICE, store)
    custom_fields.create_custom_field(req("B", "INTEGER"), ALICE, store)
    definitions = store.registry(100).active()
    assert apply_custom_fields({"A": None, "B": None, "free": 1}, definitions) == ({"A": "a", "free": 1}, [])
    assert apply_custom_fields({}, []) == ({}, [])
