"""The badgeEarned pipe's enrichment: each stream record of an earned badge becomes Capillary's webhook payload."""
from aws_lambda_powertools.utilities.typing import LambdaContext

from badges.observability import logger, traced
from badges.service.events import badge_earned_events
from badges.store.event_reads import event_reads, stream_image
from badges.store.retry import invocation_budget


@logger.inject_lambda_context
@traced
def lambda_handler(event: list[dict], context: LambdaContext) -> list[dict]:
    """EventBridge Pipes sends the batch and expects one result per record, in order; each becomes an event's
    detail. A failure fails the batch, which the pipe retries and at last dead-letters."""
    with invocation_budget(context):
        return badge_earned_events([(record["eventID"], stream_image(record)) for record in event], event_reads())
