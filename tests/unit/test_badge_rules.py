"""The badge rules, all at once: what a body must hold, how it is normalized, and what a LIVE badge keeps."""
from decimal import Decimal

import pytest
from pydantic import ValidationError

from badges.domain.badge_rules import definition_of
from badges.domain.badges import Badge, BadgeRequest, Claim

NOW = Decimal(1_800_000_000)
DAY = 86_400


def body(**changes) -> dict:
    base = {
        "name": "Pet lover",
        "startOn": int(NOW) + DAY,
        "expiresOn": int(NOW) + 100 * DAY,
        "earnedBadgeExpiry": {"expiryType": "NEVER"},
        "ownership": {"restrictedToOwners": ["Loyalty"]},
        "earnType": "EARN",
    }
    return {**base, **changes}


def check(raw: dict, migration: bool = False, previous: Badge | None = None, now: Decimal = NOW):
    return definition_of(BadgeRequest.model_validate(raw), now, migration, previous)


def codes(raw: dict, **kw) -> list[tuple[int, str | None]]:
    definition, problems = check(raw, **kw)
    assert (definition is None) == bool(problems)
    return [(p.code, p.reference) for p in problems]


def stored(raw: dict, **fields) -> Badge:
    definition, problems = check(raw, migration=True)
    assert not problems
    return Badge(id="b1", orgId=1, definition=definition, createdBy=1, createdOn=NOW, lastUpdatedBy=1,
                 lastUpdatedOn=NOW, **fields)


def test_a_minimal_badge_is_accepted_and_active_by_default():
    definition, problems = check(body())
    assert problems == [] and definition.active is True and definition.restrictedToOwners == ["Loyalty"]


def test_every_missing_mandatory_field_is_reported_at_once():
    assert codes({}) == [(1001, "name"), (1001, "startOn"), (1001, "expiresOn"), (728, "ownership.restrictedToOwners"),
                         (1001, "earnedBadgeExpiry"), (1001, "earnType")]


def test_the_specs_four_errors_come_together():
    raw = body(startOn=int(NOW) - DAY, ownership={"restrictedToOwners": ["Wallet"]})
    assert codes(raw) == [(722, "startOn"), (714, "ownership.restrictedToOwners")]
    assert codes(body(ownership={"restrictedToOwners": []})) == [(728, "ownership.restrictedToOwners")]


def test_start_must_come_before_end():
    assert codes(body(startOn=int(NOW) + 2 * DAY, expiresOn=int(NOW) + DAY)) == [(720, "expiresOn")]


def test_a_past_start_needs_the_migration_header_and_never_more_than_a_century():
    past = body(startOn=int(NOW) - 30 * DAY)
    assert codes(past) == [(722, "startOn")]
    assert codes(past, migration=True) == []
    assert codes(body(startOn=int(NOW) - 101 * 366 * DAY), migration=True) == [(722, "startOn")]


def test_times_are_read_as_seconds_milliseconds_or_iso_and_iso_overrides():
    definition, _ = check(body(startOn=(int(NOW) + DAY) * 1000, expiresOn="2027-12-14T03:15:10Z",
                               expiresOnISO="2027-12-15T00:00:00Z"))
    assert definition.startOn == NOW + DAY
    assert definition.expiresOn == Decimal(1828828800)


def test_the_examples_spellings_are_read_and_normalized():
    definition, problems = check(body(
        isActive=False,
        earnedBadgeExpiry={"relativeExpirytype": "weeks", "value": 2, "expiryType": "relative"},
        ownership={"restrictedToOwners": ["LOYALTY", "audience_campaigns", "Loyalty"]},
        customerConstraints=[{"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 2,
                              "durationType": "WEEKLY", "startDayOfTheWeek": 3}],
        badgeConstraints=[{"constraintType": "BADGE_NO_LIMIT", "rollType": "DAYS", "rollValue": 0, "maxEarnLimit": 0}],
    ))
    assert problems == []
    assert definition.active is False
    assert definition.restrictedToOwners == ["Loyalty", "Audience_Campaigns"]
    assert (definition.earnedBadgeExpiry.relativeExpiryType, definition.earnedBadgeExpiry.value) == ("WEEKS", 2)
    [window] = definition.customerConstraints
    assert (window.durationType, window.startDayOfTheWeek, window.maxEarnLimit) == ("WEEKS", "WEDNESDAY", 2)
    assert definition.badgeConstraints[0].model_dump(exclude_none=True) == {"constraintType": "NO_LIMIT"}


@pytest.mark.parametrize(("constraint", "missing"), [
    ({"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 2, "durationType": "DAYS"}, "refreshRate"),
    ({"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "durationType": "MONTHS"}, "maxEarnLimit"),
    ({"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 1}, "durationType"),
    ({"constraintType": "CUSTOMER_BADGE_FIXED_VALUE"}, "maxEarnLimit"),
    ({"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW"}, "maxEarnForDays"),
    ({"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForWeeks": 3}, "rollForWeeks"),
    ({"maxEarnLimit": 3}, "constraintType"),
])
def test_a_parameter_a_customer_constraint_needs_is_refused_with_its_reference(constraint, missing):
    assert codes(body(customerConstraints=[constraint])) == [(1001, f"customerConstraints[0].{missing}")]


@pytest.mark.parametrize(("constraint", "missing"), [
    ({"constraintType": "BADGE_ROLLING_WINDOW", "rollValue": 1, "maxEarnLimit": 3}, "rollType"),
    ({"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "DAYS", "maxEarnLimit": 3}, "rollValue"),
    ({"constraintType": "BADGE_FIXED_VALUE"}, "maxEarnLimit"),
])
def test_a_parameter_a_badge_constraint_needs_is_refused_with_its_reference(constraint, missing):
    assert codes(body(badgeConstraints=[constraint])) == [(1001, f"badgeConstraints[0].{missing}")]


def test_a_limit_of_zero_is_refused_unless_there_is_no_limit():
    assert codes(body(badgeConstraints=[{"constraintType": "BADGE_FIXED_VALUE", "maxEarnLimit": 0}])) == [
        (1002, "badgeConstraints[0].maxEarnLimit")]


@pytest.mark.parametrize(("expiry", "missing"), [
    ({"expiryType": "RELATIVE", "value": 2}, "relativeExpiryType"),
    ({"expiryType": "RELATIVE", "relativeExpiryType": "DAYS"}, "value"),
    ({"expiryType": "ABSOLUTE"}, "type"),
    ({"expiryType": "ABSOLUTE", "type": "FIXED_DATE"}, "expiresOn"),
    ({}, "expiryType"),
])
def test_an_expiry_needs_what_its_type_uses(expiry, missing):
    assert codes(body(earnedBadgeExpiry=expiry)) == [(1001, f"earnedBadgeExpiry.{missing}")]


def test_benefits_need_their_ids():
    raw = body(benefits=[{"benefitType": "COUPON"}, {"benefitType": "LOYALTY_POINTS", "programId": 1}])
    assert codes(raw) == [(1001, "benefits[0].seriesId"), (1001, "benefits[1].promotionId"),
                          (1001, "benefits[1].allocationStrategyId"), (1001, "benefits[1].expirationStrategyId")]


FIXED_WINDOW = {"constraintType": "CUSTOMER_BADGE_FIXED_WINDOW", "maxEarnLimit": 2, "durationType": "DAYS",
                "refreshRate": 3}
FIXED_VALUE = {"constraintType": "CUSTOMER_BADGE_FIXED_VALUE", "maxEarnLimit": 5}
ROLLING = {"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 1, "rollForDays": 1}


def live(customer: list) -> Badge:
    return stored(body(startOn=int(NOW) - DAY, customerConstraints=customer))


def upcoming(customer: list) -> Badge:
    return stored(body(customerConstraints=customer))


def test_a_live_badge_keeps_its_start():
    badge = live([])
    same = body(startOn=int(NOW) - DAY)
    assert codes(same, previous=badge) == []
    assert codes(body(startOn=int(NOW) - 2 * DAY), previous=badge, migration=True) == [(723, "startOn")]


@pytest.mark.parametrize(("before", "after"), [
    ([FIXED_WINDOW], [ROLLING]), ([FIXED_WINDOW], [FIXED_VALUE]), ([ROLLING], [FIXED_WINDOW]),
    ([FIXED_VALUE], [FIXED_WINDOW]), ([FIXED_WINDOW], [{**FIXED_WINDOW, "refreshRate": 4}]),
])
def test_a_live_badges_fixed_windows_cannot_change_kind_or_shape(before, after):
    raw = body(startOn=int(NOW) - DAY, customerConstraints=after)
    assert codes(raw, previous=live(before)) == [(826, "customerConstraints")]
    assert codes(body(customerConstraints=after), previous=upcoming(before)) == []


@pytest.mark.parametrize(("before", "after"), [
    ([ROLLING], [FIXED_VALUE]), ([FIXED_VALUE], [ROLLING]), ([FIXED_WINDOW], [{**FIXED_WINDOW, "maxEarnLimit": 9}]),
])
def test_a_live_badge_may_swap_rolling_and_fixed_value_and_change_limits(before, after):
    assert codes(body(startOn=int(NOW) - DAY, customerConstraints=after), previous=live(before)) == []


def test_an_owner_with_an_active_claim_stays():
    badge = stored(body(ownership={"restrictedToOwners": ["Loyalty", "Journeys"]}),
                   claims=[Claim(ownerType="Journeys", referenceId="7")])
    assert codes(body(ownership={"restrictedToOwners": ["Loyalty"]}), previous=badge) == [
        (1004, "ownership.restrictedToOwners")]
    released = badge.model_copy(update={"claims": [Claim(ownerType="Journeys", referenceId="7", isActive=False)]})
    assert codes(body(ownership={"restrictedToOwners": ["Loyalty"]}), previous=released) == []


@pytest.mark.parametrize(("constraint", "field"), [
    ({"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForMonths": 3, "rollForMonths": 13}, "rollForMonths"),
    ({"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 3, "rollForDays": 367}, "rollForDays"),
])
def test_a_rolling_window_reaches_back_a_year_at_most(constraint, field):
    assert codes(body(customerConstraints=[constraint])) == [(1002, f"customerConstraints[0].{field}")]
    badge_wide = {"constraintType": "BADGE_ROLLING_WINDOW", "rollType": "WEEKS", "rollValue": 53, "maxEarnLimit": 1}
    assert codes(body(badgeConstraints=[badge_wide])) == [(1002, "badgeConstraints[0].rollValue")]


def test_constraints_an_earn_could_not_write_in_one_transaction_are_refused():
    year_long = {"constraintType": "CUSTOMER_BADGE_ROLLING_WINDOW", "maxEarnForDays": 9, "rollForDays": 366,
                 "maxEarnForWeeks": 9, "rollForWeeks": 52, "maxEarnForMonths": 9, "rollForMonths": 12}
    assert codes(body(customerConstraints=[year_long])) == []
    assert codes(body(customerConstraints=[year_long] * 3)) == [(1002, "customerConstraints")]


def test_a_badge_name_is_200_characters_at_most():
    with pytest.raises(ValidationError):
        BadgeRequest.model_validate(body(name="x" * 201))
