"""Customer identifiers: an org's customers named by email, mobile, external id or card number instead of by id
(X-CAP-CUSTOMER-IDENTIFIER), each identifier normalized so that one customer's spellings are one key."""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from badges.domain.errors import BadgesError, Err, ErrorDetail
from badges.domain.fields import INT64_MAX

HEADER = "X-CAP-CUSTOMER-IDENTIFIER"
KINDS = ("email", "mobile", "externalId", "cardNumber")
MAX_CUSTOMERS = 100
MAX_EMAIL = 254  # RFC 5321's longest path, less its angle brackets
MAX_REFERENCE = 100  # an external id or a card number
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_MOBILE_PUNCTUATION = re.compile(r"[\s\-().]")
_MOBILE = re.compile(r"\+?\d{6,15}")  # E.164: at most 15 digits


def kind_of(header: str | None) -> str | None:
    """The identifier type a header value names, in any case; None without the header; 1062 for another value."""
    if header is None or not header.strip():
        return None
    wanted = header.strip().casefold()
    found = next((kind for kind in KINDS if kind.casefold() == wanted), None)
    if found is None:
        raise BadgesError(Err.UNKNOWN_IDENTIFIER_TYPE, HEADER)
    return found


def normalized(kind: str, value: Any) -> str:
    """The identifier as it is keyed: an email in lower case, a mobile as its digits (spaces, dashes, brackets,
    dots and a leading + dropped), an external id or card number trimmed; ValueError says why it is no such
    identifier."""
    if not isinstance(value, str) and not (kind == "mobile" and isinstance(value, int) and not isinstance(value, bool)):
        raise ValueError(f"{kind} must be a string")
    text = str(value).strip()
    if kind == "email":
        if len(text) > MAX_EMAIL or not _EMAIL.fullmatch(text):
            raise ValueError(f"not an email address (at most {MAX_EMAIL} characters)")
        return text.casefold()
    if kind == "mobile":
        compact = _MOBILE_PUNCTUATION.sub("", text)
        if not _MOBILE.fullmatch(compact):
            raise ValueError("a mobile number is 6 to 15 digits")
        return compact.lstrip("+")
    if not 1 <= len(text) <= MAX_REFERENCE:
        raise ValueError(f"{kind} holds 1 to {MAX_REFERENCE} characters")
    return text


class CustomerIdentifiers(BaseModel):
    """One customer's identifiers, as stored and answered (only the ones given)."""

    customerId: int
    email: str | None = None
    mobile: str | None = None
    externalId: str | None = None
    cardNumber: str | None = None

    def given(self) -> dict[str, str]:
        return {kind: getattr(self, kind) for kind in KINDS if getattr(self, kind) is not None}


class IdentifiersOutcome(BaseModel):
    """One item's answer, an envelope of its own, as import answers (`errors` and `warnings` always lists)."""

    data: CustomerIdentifiers | None
    errors: list[dict]
    warnings: list[dict]


def parse_item(item: Any, index: int) -> CustomerIdentifiers:
    """A body item as a customer's normalized identifiers, or every problem with it at once (1001, 1002)."""
    where = f"[{index}]"
    if not isinstance(item, dict):
        raise BadgesError(Err.INVALID_VALUE, where, "Invalid value: an item is an object")
    problems = []
    customer = item.get("customerId")
    if customer is None:
        problems.append(ErrorDetail.of(Err.CUSTOMER_ID_REQUIRED, f"{where}.customerId"))
    elif isinstance(customer, bool) or not isinstance(customer, int) or not 0 <= customer <= INT64_MAX:
        problems.append(ErrorDetail.of(Err.INVALID_VALUE, f"{where}.customerId",
                                       "Invalid value: customerId is an integer from 0 to 2^63-1"))
    found = {}
    for kind in KINDS:
        if item.get(kind) is None:
            continue
        try:
            found[kind] = normalized(kind, item[kind])
        except ValueError as exc:
            problems.append(ErrorDetail.of(Err.INVALID_VALUE, f"{where}.{kind}", f"Invalid value: {exc}"))
    if not found and not any(item.get(kind) is not None for kind in KINDS):
        problems.append(ErrorDetail.of(Err.FIELD_REQUIRED, where, "At least one of email, mobile, externalId or "
                                                                  "cardNumber is required"))
    if problems:
        raise BadgesError(Err.INVALID_VALUE, details=problems)
    return CustomerIdentifiers(customerId=customer, **found)


def customer_in_path(value: str | int | None, reference: str = "customerId") -> int:
    """A customer id as sent without the header: an integer, or its digits, within a Java long (1002 otherwise)."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text.isdigit() or int(text) > INT64_MAX:
        raise BadgesError(Err.INVALID_VALUE, reference, "Invalid value: customerId is an integer from 0 to 2^63-1 "
                                                        f"(or send {HEADER})")
    return int(text)
