"""The badgeEarned event's payload, as Capillary documents its webhook: what each constraint counts, and the shape."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from badges.domain.badges import BadgeDefinition, Constraint, constraint_reference_id
from badges.domain.enums import ConstraintKind, Period
from badges.domain.windows import day_of, fixed_window_start

_CUSTOMER_PAIRS = ((Period.DAYS, "maxEarnForDays", "rollForDays"), (Period.WEEKS, "maxEarnForWeeks", "rollForWeeks"),
                   (Period.MONTHS, "maxEarnForMonths", "rollForMonths"))
BADGE_TALLY = ("T", "earned")  # a badge's fixed value is counted by its tally shards' `earned`


@dataclass(frozen=True)
class CountedConstraint:
    """One entry of `earnConstraints`: what it says of the constraint, and which counter holds its count after
    the earn (`item` is the counter item's sort key under the customer's badge partition, or under each of the
    badge's tally shards; `attribute` the number in it). No counter: a constraint that counts nothing (NONE)."""

    level: str  # "CUSTOMER" or "BADGE"
    fields: dict[str, Any]  # constraintType and its parameters, maxEarnLimit
    item: str | None = None
    attribute: str | None = None


def counted_constraints(definition: BadgeDefinition, event: Decimal) -> list[CountedConstraint]:
    """Per level, one entry per limit of the badge (a customer rolling window per unit it limits), at the earn's
    event date; a level with no constraint is one NONE entry."""
    found: list[CountedConstraint] = []
    for level, prefix, constraints in (("BADGE", "BADGE_", definition.badgeConstraints),
                                       ("CUSTOMER", "CUSTOMER_BADGE_", definition.customerConstraints)):
        entries = [entry for c in constraints for entry in _entries(level, prefix, c, definition, event)]
        found += entries or [CountedConstraint(level, {"constraintType": "NONE"})]
    return found


def _entries(level: str, prefix: str, constraint: Constraint, definition: BadgeDefinition,
             event: Decimal) -> list[CountedConstraint]:
    kind = constraint.constraintType
    if kind == ConstraintKind.FIXED_VALUE:
        item, attribute = BADGE_TALLY if level == "BADGE" else ("FV", "n")
        return [CountedConstraint(level, {"constraintType": "OVERALL", "maxEarnLimit": constraint.maxEarnLimit},
                                  item, attribute)]
    if kind == ConstraintKind.FIXED_WINDOW:
        start = fixed_window_start(constraint.durationType, definition.startOn, event, constraint.refreshRate,
                                   constraint.startDayOfTheWeek)
        window = f"FW#{constraint_reference_id(prefix, constraint)}#{Decimal(start).normalize():f}"
        fields = {"constraintType": "FIXED_WINDOW", "durationType": constraint.durationType.value,
                  "refreshRate": constraint.refreshRate, "maxEarnLimit": constraint.maxEarnLimit}
        if constraint.startDayOfTheWeek is not None:
            fields["startDayOfTheWeek"] = constraint.startDayOfTheWeek.value
        return [CountedConstraint(level, fields, window, "n")]
    if kind == ConstraintKind.ROLLING_WINDOW:
        spans = ([(constraint.rollType, constraint.rollValue, constraint.maxEarnLimit)] if level == "BADGE" else
                 [(unit, getattr(constraint, length), getattr(constraint, limit))
                  for unit, limit, length in _CUSTOMER_PAIRS if getattr(constraint, limit) is not None])
        day = day_of(event)
        # The window that ends on the event's day: its count is the day's attribute in the month's item.
        return [CountedConstraint(level, {"constraintType": "ROLLING_WINDOW", "rollType": unit.value,
                                          "rollValue": length, "maxEarnLimit": limit},
                                  f"RW#{unit.value[0]}{length}#{day:%Y%m}", f"d{day:%d}")
                for unit, length, limit in spans]
    return [CountedConstraint(level, {"constraintType": "NONE"})]


def millis(moment: Decimal | int | float) -> int:
    return int(Decimal(moment) * 1000)


def badge_earned_payload(earned: dict, event_id: str, constraints: list[CountedConstraint],
                         counts: list[int | None]) -> dict:
    """Capillary's webhook payload of badgeEarned from the earned-badge item (as stored) and each constraint's
    count now (None: a constraint that counts nothing)."""
    org_id, earned_id = int(earned["orgId"]), str(earned["earnedBadgeId"])
    triggered = earned.get("triggeredBy") or {}
    data: dict[str, Any] = {
        "customerIdentifiers": {"customerId": int(earned["customerId"])},
        "badgeId": earned["badgeMetaId"],
        "earnId": earned_id,
        "earnedOn": millis(earned["earnEventDate"]),
        "expiresOn": millis(earned["expiresOn"]),
        "earnConstraints": [
            {"constraintLevel": c.level, **c.fields, **({} if c.item is None else {"currentEarnCount": count or 0})}
            for c, count in zip(constraints, counts, strict=True)],
        "triggeringActivity": {"ownerType": triggered.get("ownerType"), "referenceId": triggered.get("referenceId"),
                               "identifiers": [], "additionalAttributes": []},
    }
    if earned.get("issuedId"):
        data["issualId"] = earned["issuedId"]
    return {
        "eventName": "badgeEarned", "eventId": event_id, "orgId": org_id, "refId": f"{org_id}_{earned_id}",
        "apiRequestId": str(earned["requestId"]), "createdAt": millis(earned["earnedOn"]), "data": data,
        "loyaltyEventId": None,
    }
