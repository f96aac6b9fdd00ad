"""X-CAP-CUSTOMER-IDENTIFIER on the four endpoints that document it (customer badges, the Member Care list, individual
details, revoke issued badge: spec/docs/api-*), resolved through the org's directory that PUT /customerIdentifiers
fills: normalized, unique per org and type by conditional writes, walled per tenant, every miss a 4xx."""
from handlers import (
    get_customer_badge_details,
    get_customer_badge_list,
    get_customer_badges,
    put_customer_identifiers,
    revoke_earn,
)
from tests.integration.conftest import call
from tests.integration.test_earning import _fresh_cache, codes, earn_now, live_badge  # noqa: F401

EMAIL = {"X-CAP-CUSTOMER-IDENTIFIER": "email"}


def put(items, org: int = 100458) -> tuple[int, object]:
    status, answer, _ = call(put_customer_identifiers, "PUT", "/customerIdentifiers", items, org=org)
    return status, answer


def test_the_documented_endpoints_answer_for_a_customer_named_by_email(dynamodb):
    # Given customer 381921157 (the individual details page's) mapped to an email, a mobile, an external id, a card
    status, answer = put([{"customerId": 381921157, "email": "Tom.Sawyer@Example.COM", "mobile": "+91 98450-12345",
                           "externalId": "ext-77", "cardNumber": "CARD 0001"}])
    assert status == 200
    assert answer == [{"data": {"customerId": 381921157, "email": "tom.sawyer@example.com", "mobile": "919845012345",
                                "externalId": "ext-77", "cardNumber": "CARD 0001"}, "errors": [], "warnings": []}]
    badge = live_badge()
    status, earned = earn_now(badge["id"], customer=381921157)
    assert status == 200
    # When each page's "Endpoint using the X-CAP-CUSTOMER-IDENTIFIER: email header" is called, in any spelling
    mine = call(get_customer_badges, "GET", "/customer/TOM.sawyer@example.com?badgeType=EARNED", headers=EMAIL)[1]
    assert [b["badgeMetaId"] for b in mine["data"]["badges"]] == [badge["id"]]
    listed = call(get_customer_badge_list, "GET", "/management/tom.sawyer@example.com",
                  headers={"x-cap-customer-identifier": "EMAIL"})[1]
    assert [b["badgeMetaId"] for b in listed["data"]["customerBadges"]] == [badge["id"]]
    details = call(get_customer_badge_details, "GET", f"/management/+919845012345/badge/{badge['id']}"
                   "?includeStatistics=true", headers={"X-CAP-CUSTOMER-IDENTIFIER": "mobile"})[1]
    assert details["data"]["activeEarnedCount"] == 1
    by_card = call(get_customer_badges, "GET", "/customer/CARD 0001",
                   headers={"X-CAP-CUSTOMER-IDENTIFIER": "cardnumber"})
    assert by_card[0] == 200 and by_card[1]["data"]["badges"]
    # revoke issued badge: the body's customerId is the identifier
    body = {"badgeMetaId": badge["id"], "customerId": "ext-77", "earnedBadgeId": earned["data"]["earnedBadgeId"]}
    status, answer, _ = call(revoke_earn, "POST", "/customer/revokeEarn", body,
                             headers={"X-CAP-CUSTOMER-IDENTIFIER": "externalId"})
    assert (status, answer["data"]["customerId"], answer["data"]["isActive"]) == (200, 381921157, False)


def test_without_the_header_the_path_and_body_hold_ids_as_before(dynamodb):
    badge = live_badge()
    status, earned = earn_now(badge["id"], customer=62090013)
    assert call(get_customer_badges, "GET", "/customer/62090013")[0] == 200
    status, answer, _ = call(get_customer_badges, "GET", "/customer/someone@example.com")
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1002], "customerId")
    body = {"badgeMetaId": badge["id"], "customerId": "62090013", "earnedBadgeId": earned["data"]["earnedBadgeId"]}
    assert call(revoke_earn, "POST", "/customer/revokeEarn", body)[0] == 200  # digits, as the page's example
    status, answer, _ = call(revoke_earn, "POST", "/customer/revokeEarn", {**body, "customerId": True})
    assert (status, codes(answer)) == (400, [1002])


def test_an_unknown_identifier_or_header_value_is_a_clear_4xx(dynamodb):
    put([{"customerId": 5, "email": "known@example.com"}])
    status, answer, _ = call(get_customer_badges, "GET", "/customer/nobody@example.com", headers=EMAIL)
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (404, [404], "customerId")
    status, answer, _ = call(get_customer_badges, "GET", "/customer/not-an-email", headers=EMAIL)
    assert (status, codes(answer)) == (400, [1002])
    status, answer, _ = call(get_customer_badge_list, "GET", "/management/known@example.com",
                             headers={"X-CAP-CUSTOMER-IDENTIFIER": "loyaltyId"})
    assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1062], "X-CAP-CUSTOMER-IDENTIFIER")
    status, answer, _ = call(revoke_earn, "POST", "/customer/revokeEarn",
                             {"badgeMetaId": "x", "customerId": "nobody@example.com", "earnedBadgeId": "y"},
                             headers=EMAIL)
    assert (status, codes(answer)) == (404, [404])


def test_an_identifier_names_one_customer_the_first_mapping_stands_and_each_org_has_its_own(dynamodb):
    assert put([{"customerId": 1, "email": "shared@example.com"}])[1][0]["errors"] == []
    # the same mapping again changes nothing; another customer claiming it is refused, with nothing of it written
    assert put([{"customerId": 1, "email": "SHARED@example.com"}])[1][0]["errors"] == []
    status, answer = put([{"customerId": 2, "email": "shared@example.com", "mobile": "555 0100 77"}])
    assert status == 200 and answer[0]["data"] is None
    assert answer[0]["errors"] == [{"code": 1060, "message": "The email belongs to another customer",
                                    "reference": "[0].email"}]
    found = call(get_customer_badges, "GET", "/customer/shared@example.com", headers=EMAIL)
    assert found[0] == 200
    status, answer, _ = call(get_customer_badges, "GET", "/customer/5550100 77",
                             headers={"X-CAP-CUSTOMER-IDENTIFIER": "mobile"})
    assert status == 404  # customer 2's mobile went with its refused email
    # another org: the identifier is free there, and org 100458's mapping is not seen
    assert put([{"customerId": 2, "email": "shared@example.com"}], org=999)[1][0]["errors"] == []
    status, answer, _ = call(get_customer_badges, "GET", "/customer/nobody@example.com", headers=EMAIL, org=999)
    assert status == 404


def test_each_item_answers_alone_and_the_body_is_bounded(dynamodb):
    status, answer = put([{"customerId": 7, "email": "bad@@example"}, {"email": "x@example.com"},
                          {"customerId": 8}, "nine", {"customerId": 9, "cardNumber": "C" * 101},
                          {"customerId": 10, "externalId": "E-10"}])
    assert status == 200 and len(answer) == 6
    assert [[(e["code"], e["reference"]) for e in item["errors"]] for item in answer[:5]] == [
        [(1002, "[0].email")], [(812, "[1].customerId")], [(1001, "[2]")], [(1002, "[3]")],
        [(1002, "[4].cardNumber")]]
    assert answer[5]["data"] == {"customerId": 10, "email": None, "mobile": None, "externalId": "E-10",
                                 "cardNumber": None}
    for body in ([], [{"customerId": 1, "email": "a@example.com"}] * 101):
        status, answer = put(body)
        assert (status, codes(answer), answer["errors"][0]["reference"]) == (400, [1061], "body")
    status, answer = put({"customerId": 1})
    assert (status, codes(answer)) == (400, [1002])
