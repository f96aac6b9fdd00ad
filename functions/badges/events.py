"""The events the service publishes, defined once: DynamoDB Streams records of earned badges, filtered by
EventBridge Pipes into `badgeEarned` events (shaped by an enrichment Lambda as Capillary's webhook payload) and
`badgeRevoked` events (shaped by an input template, a shape of ours) on the service's bus.

An event is made from the committed record, never sent by a handler, so an earn that rolled back sends
nothing and a committed one is never lost.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

SOURCE = "badges"


@dataclass(frozen=True)
class EventSpec:
    detail_type: str
    filter_pattern: dict  # an EventBridge Pipes filter on the stream record
    input_template: str | None = None  # the event's detail, from the record's new image
    enrichment: str | None = None  # or the handler of a Lambda that makes each detail from its record


# The badgeEarned enrichment reads badge definitions, customer counters and tally shards, nothing else.
ENRICHMENT_TABLE_ACTIONS = {"badges": ("dynamodb:BatchGetItem",)}


def _template(fields: dict[str, str]) -> str:
    """A Pipes input template: each field from the new image. Every value is a string, numbers included:
    DynamoDB Streams carry numbers as strings, and a template cannot be trusted to unquote them."""
    return "{" + ", ".join(f'"{name}": "<$.dynamodb.NewImage.{attribute}>"' for name, attribute in fields.items()) + "}"


_FIELDS = {
    "orgId": "orgId.N", "customerId": "customerId.N", "badgeMetaId": "badgeMetaId.S",
    "earnedBadgeId": "earnedBadgeId.S", "requestId": "requestId.S", "earnEventDate": "earnEventDate.N",
    "earnedOn": "earnedOn.N", "expiresOn": "expiresOn.N",
}
_EARNED_RECORD = {"sk": {"S": [{"prefix": "EARN#"}]}}

EVENTS: tuple[EventSpec, ...] = (
    EventSpec(  # Capillary's webhook payload (event-schema-incentives: "Event notifications on earning a badge")
        detail_type="badgeEarned",
        filter_pattern={"eventName": ["INSERT"], "dynamodb": {"NewImage": _EARNED_RECORD}},
        enrichment="enrich_badge_earned",
    ),
    EventSpec(
        detail_type="badgeRevoked",
        filter_pattern={"eventName": ["MODIFY"], "dynamodb": {
            "NewImage": {**_EARNED_RECORD, "active": {"BOOL": [False]}},
            "OldImage": {"active": {"BOOL": [True]}}}},
        input_template=_template({**_FIELDS, "revokedOn": "revokedOn.N"}),
    ),
)


def filter_json(spec: EventSpec) -> str:
    return json.dumps(spec.filter_pattern, separators=(",", ":"))
