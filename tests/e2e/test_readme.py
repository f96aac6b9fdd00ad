"""The READMEs' scripts, run as written against `make run` with its dev credential: the README's quick start and
the API reference's ISSUE_EARN walk-through, each on a server on a free port that the script reads from PORT."""
import json
import os
import re
import subprocess
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import ROOT, LocalServer

pytestmark = pytest.mark.e2e


def walkthrough(readme: str, name: str) -> str:
    text = (ROOT / readme).read_text()
    return re.search(rf"<!-- walkthrough: {name} -->\n```bash\n(.*?)```", text, re.S).group(1)


def answers(output: str) -> list[dict]:
    """Every JSON answer the script's curls printed, one after another with nothing between them."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(output):
        answer, at = decoder.raw_decode(output, at)
        found.append(answer)
        while at < len(output) and output[at].isspace():
            at += 1
    return found


@pytest.fixture(scope="module")
def dev_server():
    local = LocalServer({})  # no credentials file: the dev credential the READMEs use
    yield local
    local.stop()


def run(script: str, server: LocalServer) -> list[dict]:
    """The script as pasted, its server's port in PORT (as `PORT=... make run` and the shell would share it)."""
    assert "127.0.0.1:${PORT:-3000}" in script
    env = {**os.environ, "PORT": str(urlsplit(server.url).port)}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=180,
                          env=env)
    assert done.returncode == 0, done.stderr
    return answers(done.stdout)


def codes(answer: dict) -> list[int]:
    return [e["code"] for e in answer["errors"]]


def test_the_quick_start_works_as_written(dev_server):
    (taken, no_rank, malformed, anonymous, listed, group, put, post, past, migrated, upcoming, with_stats, found,
     updated, off, on, claim, earned, repeat, bulk, revoked, revoked_again, earned_view, available, unclaim) = run(
        walkthrough("README.md", "quick-start"), dev_server)
    assert (codes(taken), codes(no_rank), codes(malformed), codes(anonymous)) == ([733], [732], [1000], [401])
    assert listed["data"]["pagination"]["size"] == 2 and listed["data"]["badgeGroups"][0] == group["data"]  # newest
    assert put["data"]["id"] == post["data"]["id"] == group["data"]["id"]
    assert (put["data"]["rank"], post["data"]["rank"]) == (5, 1) and post["data"]["name"].startswith("GROUP_RANK_59_")
    assert codes(past) == [722] and past["data"] is None
    assert migrated["errors"] == [] and migrated["data"]["status"] == "LIVE"
    pet = upcoming["data"]
    assert pet["status"] == "UPCOMING" and pet["badgeGroupId"] == group["data"]["id"]
    assert pet["customerConstraints"][0]["cycleStatus"] == "UPCOMING"
    assert with_stats["data"]["id"] == pet["id"]
    assert pet["id"] in [b["id"] for b in found["data"]["metaBasicDetails"]]
    assert updated["errors"] == [] and updated["data"]["customerConstraints"] == []
    assert (off["data"], on["data"]) == ({"id": pet["id"], "isActive": False}, {"id": pet["id"], "isActive": True})
    assert claim["data"] == {**claim["data"], "ownerType": "Loyalty", "referenceId": "123", "isActive": True}
    assert earned["errors"] == [] and earned["data"]["customerId"] == 62090013
    assert codes(repeat) == [809] and repeat["data"] == earned["data"]  # the repeat shows the first answer
    assert (bulk["data"]["totalCount"], bulk["data"]["earnedCount"], bulk["data"]["failedCount"]) == (3, 3, 0)
    [first] = [e for e in bulk["data"]["earnedBadgesList"] if e["customerId"] == 1]
    assert revoked["data"] == {"badgeMetaId": claim["data"]["badgeMetaId"], "customerId": 1,
                               "earnedBadgeId": first["earnedBadgeId"], "isActive": False}
    assert codes(revoked_again) == [814]
    badge = claim["data"]["badgeMetaId"]
    [mine] = [b for b in earned_view["data"]["badges"] if b["badgeMetaId"] == badge]
    assert mine["earnedCount"] == 1
    # a customer fixed value of 2, one used: the badge is still there to earn
    assert badge in [b["badgeMetaId"] for b in available["data"]["badges"]]
    assert unclaim["data"]["isActive"] is False


def test_the_issue_earn_walkthrough_works_as_written(dev_server):
    claim, early, enrol, available, earned, again, badge = run(
        walkthrough("functions/handlers/README.md", "issue-earn"), dev_server)
    assert claim["data"] == {**claim["data"], "ownerType": "Journeys", "referenceId": "j-42", "isActive": True}
    assert codes(early) == [811]
    [issued] = enrol["data"]["issuedBadges"]
    assert issued["customerId"] == 62090013 and issued["issuedId"] and issued["error"] is None
    [offered] = [b for b in available["data"]["badges"] if b["badgeMetaId"] == badge["data"]["id"]]
    assert (offered["issuedId"], offered["earnedCount"]) == (issued["issuedId"], 0)
    assert earned["errors"] == [] and earned["data"]["issuedId"] == issued["issuedId"]
    assert codes(again) == [1020]
    assert (badge["data"]["issuedCount"], badge["data"]["earnedCount"]) == (1, 1)
