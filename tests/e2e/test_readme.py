"""The README's ISSUE_EARN walk-through, run as written against `make run` with its dev credential."""
import json
import re
import subprocess

import pytest

from tests.e2e.conftest import ROOT, LocalServer

pytestmark = pytest.mark.e2e


def walkthrough(name: str) -> str:
    readme = (ROOT / "README.md").read_text()
    return re.search(rf"<!-- walkthrough: {name} -->\n```bash\n(.*?)```", readme, re.S).group(1)


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
    local = LocalServer({})  # no credentials file: the dev credential the README uses
    yield local
    local.stop()


def test_the_issue_earn_walkthrough_works_as_written(dev_server):
    script = walkthrough("issue-earn").replace("http://127.0.0.1:3000", dev_server.url)
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    claim, early, enrol, available, earned, again, badge = answers(run.stdout)
    assert claim["data"] == {**claim["data"], "ownerType": "Journeys", "referenceId": "j-42", "isActive": True}
    assert [e["code"] for e in early["errors"]] == [811]
    [issued] = enrol["data"]["issuedBadges"]
    assert issued["customerId"] == 62090013 and issued["issuedId"] and issued["error"] is None
    [offered] = [b for b in available["data"]["badges"] if b["badgeMetaId"] == badge["data"]["id"]]
    assert (offered["issuedId"], offered["earnedCount"]) == (issued["issuedId"], 0)
    assert earned["errors"] == [] and earned["data"]["issuedId"] == issued["issuedId"]
    assert [e["code"] for e in again["errors"]] == [1020]
    assert (badge["data"]["issuedCount"], badge["data"]["earnedCount"]) == (1, 1)
