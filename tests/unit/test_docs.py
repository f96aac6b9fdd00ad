"""The READMEs against the code: links and anchors resolve, generated tables are fresh, the API reference names
every route that is served and only those, and the bounds it states are the code's."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from badges.api.jsonc import MAX_DEPTH
from badges.api.resolver import MAX_BODY_BYTES
from badges.domain import badge_rules
from badges.domain.badge_rules import MAX_EARN_ITEMS
from badges.domain.badges import (
    MAX_BENEFITS,
    MAX_CONSTRAINTS,
    MAX_CUSTOM_FIELDS,
    MAX_CUSTOM_TEXT,
    MAX_FIELD_NAME,
    MAX_IMAGES,
    MAX_OWNERS,
    MAX_TAG_KEYS,
    MAX_TAGS,
)
from badges.domain.claims import MAX_CLAIMS
from badges.domain.credentials import MAX_USERNAME_BYTES
from badges.domain.custom_fields import MAX_ACTIVE_CUSTOM_FIELDS, MAX_ORG_CUSTOM_FIELDS
from badges.domain.customer_ids import _MOBILE, MAX_CUSTOMERS, MAX_EMAIL
from badges.domain.customer_ids import MAX_REFERENCE as MAX_IDENTIFIER
from badges.domain.earning import MAX_CUSTOMER_REF, MAX_REQUEST_ID
from badges.domain.enums import Period
from badges.domain.errors import Err
from badges.domain.fields import INT32_MAX, INT64_MAX, MAX_ID, MAX_NAME, MAX_REFERENCE, MAX_TEXT, MAX_URL
from badges.domain.migration import MAX_IMPORTS, MAX_REVOKES
from badges.domain.oauth import MAX_SECRET
from badges.domain.page_tokens import MAX_TOKEN_LENGTH
from badges.domain.paging import MAX_OFFSET_ITEMS, MAX_SIZE
from badges.routes import BASE_PATH, ROUTES
from badges.service.earning import MAX_BULK
from local_api import doc_tables
from local_api.doc_tables import anchors, links, slug

ROOT = Path(__file__).resolve().parents[2]
API_REFERENCE = ROOT / "functions" / "handlers" / "README.md"
# What the project's own files are not under: installed packages, builds, and every hidden directory (.git, .venv,
# .venv-checkov that `make scan` installs, .hypothesis ...).
SKIPPED_DIRS = {"node_modules", "cdk.out", "build"}
# Links that leave the repository: Capillary's pages sit beside it (../shared/spec), not in it.
OUTSIDE = {"../shared/spec/README.md"}


def readmes() -> list[Path]:
    return sorted(p for p in ROOT.rglob("README*.md") if ours(p))


def ours(path: Path) -> bool:
    return not any(part.startswith(".") or part in SKIPPED_DIRS for part in path.relative_to(ROOT).parts[:-1])


def broken_links(path: Path) -> list[str]:
    """The links of a README that lead nowhere: a missing file, or an anchor its target's headings do not give."""
    broken = []
    for target in links(path.read_text()):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:: not ours to check
            continue
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.is_relative_to(ROOT):
            if os.path.relpath(dest, path.parent) not in OUTSIDE and file not in OUTSIDE:
                broken.append(f"{target} (outside the repository)")
            continue
        if not dest.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and (dest.suffix != ".md" or anchor not in anchors(dest.read_text())):
            broken.append(f"{target} (no such anchor)")
    return broken


def test_the_readmes_are_found():
    found = {str(p.relative_to(ROOT)) for p in readmes()}
    assert {"README.md", "functions/handlers/README.md", "functions/badges/README.md", "infra/README.md",
            "functions/local_dynamodb/README.md", "functions/benchmarks/README.md", "tests/README.md"} <= found


@pytest.mark.parametrize("path", readmes(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(path):
    assert broken_links(path) == []


def test_a_broken_link_or_anchor_is_caught(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("# Deploy and operate\n\n## WAF and rate limits\n")
    readme = tmp_path / "README.md"
    readme.write_text("# Top\n\n## Two commands\n\n"
                      "[ok](#two-commands) [ok](docs/README.md#waf-and-rate-limits) [ok](docs/README.md)\n"
                      "[gone](#deploy) [gone](docs/README.md#waf) [gone](docs/MISSING.md) [out](../elsewhere.md)\n"
                      "`[code](#not-a-link)`\n\n```\n[fenced](#not-a-link-either)\n```\n")
    assert broken_links(readme) == ["#deploy (no such anchor)", "docs/README.md#waf (no such anchor)",
                                    "docs/MISSING.md (no such file)", "../elsewhere.md (outside the repository)"]


def test_anchors_follow_githubs_rules():
    assert slug("Customer identifiers: X-CAP-CUSTOMER-IDENTIFIER") == "customer-identifiers-x-cap-customer-identifier"
    assert slug("Under load: `make bench-load`") == "under-load-make-bench-load"
    assert slug("ISSUE_EARN, start to finish") == "issue_earn-start-to-finish"
    assert slug("Docs in a browser: /docs") == "docs-in-a-browser-docs"
    assert slug("Where Capillary's documentation disagrees") == "where-capillarys-documentation-disagrees"
    assert anchors("# Events\n\n## Events\n\n```\n# not a heading\n```\n## Events\n") == {
        "events", "events-1", "events-2"}


def test_the_readme_stays_short():
    assert len((ROOT / "README.md").read_text().splitlines()) < 300


def test_every_generated_table_is_fresh():
    stale = [str(p.relative_to(ROOT)) for p in readmes() if doc_tables.regenerate(p.read_text()) != p.read_text()]
    assert stale == [], f"generated tables out of date in {stale}: run `make docs`"
    names = {name for p in readmes() for name, _ in doc_tables.blocks(p.read_text())}
    assert names == set(doc_tables.GENERATORS)


def test_the_error_table_is_the_catalogue():
    table = dict(doc_tables.blocks(API_REFERENCE.read_text()))["errors"]
    rows = [line for line in table.splitlines()[2:]]
    assert len(rows) == len(Err)
    for err, row in zip(Err, rows, strict=True):
        assert row.startswith(f"| {err.code} | {err.status} | ") and err.value.when.replace("|", "\\|") in row


def documented_routes(text: str) -> set[tuple[str, str]]:
    """(method, path) of every route the API reference's own tables name (the generated one aside)."""
    text = re.sub(r"<!-- generated: routes -->.*?<!-- end: routes -->", "", text, flags=re.S)
    found = set()
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        first = line.split(" | ")[0]
        tokens = re.findall(r"`([^`]+)`", first)
        methods: list[str] = []
        last_path, last_method = "", ""
        for token in tokens:
            if re.fullmatch(r"[A-Z]+", token):  # `PUT` or `POST /path`
                methods.append(token)
                continue
            match = re.fullmatch(r"(?:([A-Z]+) )?(/\S*|\.\.\./\S+)", token)
            if not match:
                continue
            method, path = match.groups()
            if path.startswith(".../"):  # `.../deactivate`: the previous path's sibling, by the same method
                path = last_path.rsplit("/", 1)[0] + path[3:]
                method = method or last_method
            if method:
                methods.append(method)
            found |= {(m, path) for m in methods}
            last_path, last_method, methods = path, methods[-1], []
    return found


def test_the_api_reference_documents_every_route_and_no_other():
    served = {(r.method, r.path) for r in ROUTES if r.base == BASE_PATH}
    assert documented_routes(API_REFERENCE.read_text()) == served
    [token] = [r for r in ROUTES if r.base != BASE_PATH]
    assert f"`{token.method} {token.path}`" in (ROOT / "functions" / "badges" / "README.md").read_text()


NUMBER = re.compile(r"-?2\^\d+(?:-1)?|\d+(?:,\d{3})*")


def numbers(cell: str) -> list[int]:
    def value(token: str) -> int:
        power = re.fullmatch(r"(-?)2\^(\d+)(-1)?", token)
        if power:
            sign, exponent, less = power.groups()
            return (-1 if sign else 1) * 2 ** int(exponent) - (1 if less else 0)
        return int(token.replace(",", ""))
    return [value(token) for token in NUMBER.findall(cell)]


def query_max_length(method: str, path: str, name: str) -> int:
    from local_api.openapi import _document

    operation = json.loads(_document())["paths"][BASE_PATH + path][method.lower()]
    [param] = [p for p in operation["parameters"] if p["name"] == name]
    schema = param["schema"]
    return next(s["maxLength"] for s in [schema, *schema.get("anyOf", [])] if "maxLength" in s)


def bounds_in_code() -> dict[str, list[int]]:
    """Each row of the reference's Bounds table: every number its bound cell holds, in order, from the code."""
    days, weeks, months = (badge_rules._LONGEST[p] for p in (Period.DAYS, Period.WEEKS, Period.MONTHS))
    expiry = [badge_rules._LONGEST_EXPIRY[p] for p in (Period.DAYS, Period.WEEKS, Period.MONTHS)]
    mobile = [int(n) for n in re.search(r"\{(\d+),(\d+)\}", _MOBILE.pattern).groups()]
    bits64 = INT64_MAX.bit_length() + 1
    return {
        "a body": [MAX_BODY_BYTES // 1024, Err.BODY_TOO_LARGE.status, MAX_DEPTH],
        "`Content-Type`": [Err.UNSUPPORTED_MEDIA_TYPE.status],
        "numbers": [1],  # `true` is not 1
        "`customerId` (body, bulk lists, path), benefit ids, `defaultTillId`": [0, INT64_MAX],
        "`rank`, `badgeRank`": [-INT32_MAX - 1, INT32_MAX],
        "`maxEarnLimit` and every other count": [0, INT32_MAX],
        "`requestId`": [MAX_REQUEST_ID, bits64],
        "relative expiry `value`": expiry,
        "fixed window `refreshRate`": expiry[:1],
        "rolling windows": [days, weeks, months],
        "badge and group `name`": [MAX_NAME],
        "`description`": [MAX_TEXT],
        "`images`": [MAX_IMAGES, MAX_URL, MAX_NAME],
        "`ownership.restrictedToOwners`": [MAX_OWNERS],
        "`customerConstraints`, `badgeConstraints`": [MAX_CONSTRAINTS, MAX_EARN_ITEMS],
        "`benefits`": [MAX_BENEFITS],
        "`tags`": [MAX_TAGS, MAX_NAME, MAX_TAG_KEYS, MAX_FIELD_NAME, MAX_FIELD_NAME],
        "`customFields`": [MAX_CUSTOM_FIELDS, MAX_FIELD_NAME, MAX_CUSTOM_TEXT, bits64],
        "custom field definitions": [MAX_FIELD_NAME, MAX_CUSTOM_TEXT, MAX_ACTIVE_CUSTOM_FIELDS, MAX_ORG_CUSTOM_FIELDS,
                                     1, query_max_size("GET", "/customField"), 0, MAX_ORG_CUSTOM_FIELDS],
        "org meta `tags`": [MAX_TAGS, MAX_FIELD_NAME, MAX_CUSTOM_TEXT],
        "`referenceId` of an owner (claims, `triggeredBy`)": [MAX_REFERENCE],
        "owner references a badge keeps": [MAX_CLAIMS],
        "`badgeGroupId`, list filter `groupId`": [MAX_ID],
        "list filter `name`": [MAX_NAME],
        "paging": [1, MAX_SIZE, 0, INT32_MAX, 1, MAX_OFFSET_ITEMS, MAX_TOKEN_LENGTH, Err.INVALID_PAGE_TOKEN.code],
        "list filters `status`, `startOn`, `expiresOn`": [
            query_max_length("GET", "/badgeMeta", name) for name in ("status", "startOn", "expiresOn")],
        "`customerIds` (earnBulk), `customers` (issueBulk)": [MAX_BULK],
        "`customers`, `revokeIssuals` (revokeIssue)": [MAX_REVOKES, Err.INVALID_VALUE.code, MAX_ID],
        "import items": [1, MAX_IMPORTS, Err.IMPORT_SIZE.code],
        "token endpoint `key` / `secret`": [MAX_USERNAME_BYTES, MAX_SECRET],
        "`customerId` in a path (and revokeEarn's body, as a string)": [MAX_CUSTOMER_REF],
        "customer identifiers": [1, MAX_CUSTOMERS, Err.IDENTIFIERS_SIZE.code, MAX_EMAIL, *mobile, MAX_IDENTIFIER],
    }


def query_max_size(method: str, path: str) -> int:
    from local_api.openapi import _document

    operation = json.loads(_document())["paths"][BASE_PATH + path][method.lower()]
    [param] = [p for p in operation["parameters"] if p["name"] == "size"]
    return param["schema"]["maximum"]


def test_the_bounds_the_reference_states_are_the_codes():
    text = API_REFERENCE.read_text()
    section = text[text.index("\n## Bounds\n"):text.index("\n## ", text.index("\n## Bounds\n") + 1)]
    stated = {}
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith(("| what ", "|---")):
            what, bound = line[2:].split(" | ")[:2]
            stated[what] = numbers(bound)
    assert stated == bounds_in_code()


POINTER = re.compile(r"((?:[\w.-]+/)*README\.md),? \"([^\"]+)\"")


def test_every_pointer_from_the_code_names_a_readme_section_that_exists():
    """Comments, docstrings and messages that send a reader to a README's section by name (or its start)."""
    pointers = []
    for source in sorted(ROOT.rglob("*.py")):
        if not ours(source):
            continue
        pointers += [(source.relative_to(ROOT), *found) for found in POINTER.findall(source.read_text())]
    assert len(pointers) >= 8  # earning, tallies, customer_ids, fields, and the tests' own
    missing = [(str(source), readme, section) for source, readme, section in pointers
               if not (ROOT / readme).is_file()
               or not any(a.startswith(slug(section)) for a in anchors((ROOT / readme).read_text()))]
    assert missing == []
