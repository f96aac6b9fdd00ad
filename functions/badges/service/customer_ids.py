"""Customer identifiers: the org's directory filled (PUT /customerIdentifiers) and read to name a customer."""
from __future__ import annotations

from typing import Any

from badges.domain.customer_ids import (
    MAX_CUSTOMERS,
    IdentifiersOutcome,
    customer_in_path,
    normalized,
    parse_item,
)
from badges.domain.errors import BadgesError, Err, ErrorDetail
from badges.domain.identity import Caller
from badges.store.ports import CustomerDirectory


def put_identifiers(items: list[Any], caller: Caller, directory: CustomerDirectory) -> list[IdentifiersOutcome]:
    """One answer per item, in order: the customer's identifiers, normalized, each now naming it in the org; or
    the item's errors (1001 / 1002 for what it sent, 1060 for each identifier another customer holds: the first
    mapping stands, and none of the item's identifiers is written)."""
    if not 1 <= len(items) <= MAX_CUSTOMERS:
        raise BadgesError(Err.IDENTIFIERS_SIZE, "body")
    outcomes = []
    for index, item in enumerate(items):
        try:
            wanted = parse_item(item, index)
        except BadgesError as refused:
            outcomes.append(IdentifiersOutcome(data=None, errors=[d.as_dict() for d in refused.details], warnings=[]))
            continue
        taken = directory.claim(caller.org_id, wanted.customerId, wanted.given())
        errors = [ErrorDetail.of(Err.IDENTIFIER_TAKEN, f"[{index}].{kind}", f"The {kind} belongs to another customer")
                  .as_dict() for kind in taken]
        outcomes.append(IdentifiersOutcome(data=None if taken else wanted, errors=errors, warnings=[]))
    return outcomes


def resolve_customer(value: str | int | None, kind: str | None, caller: Caller, directory: CustomerDirectory,
                     reference: str = "customerId") -> int:
    """The customer `value` names: without a type (no X-CAP-CUSTOMER-IDENTIFIER) its id as sent; with one, the
    customer the org's directory maps that identifier to (one read), 404 if none, 1002 if it is no such
    identifier."""
    if kind is None:
        return customer_in_path(value, reference)
    try:
        key = normalized(kind, value)
    except ValueError as exc:
        raise BadgesError(Err.INVALID_VALUE, reference, f"Invalid value: {exc}") from exc
    customer = directory.customer_of(caller.org_id, kind, key)
    if customer is None:
        raise BadgesError(Err.CUSTOMER_NOT_FOUND, reference, f"No customer of the org has this {kind}")
    return customer
