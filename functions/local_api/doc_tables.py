"""python -m local_api.doc_tables (`make docs`): rewrite the tables the READMEs hold that the code already knows.

A generated table sits between `<!-- generated: NAME -->` and `<!-- end: NAME -->` and is never edited by hand:
- `routes`: every route of `badges/routes.py`, by the API reference section (OpenAPI tag) it is in;
- `errors`: the error catalogue, `badges/domain/errors.py`, in its own order.
`tests/unit/test_docs.py` fails when a block differs from what this writes, and says to run `make docs`.
Also here, for that test: GitHub's heading anchors and the links of a README.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

from badges.domain.errors import Err
from badges.routes import BASE_PATH, ROUTES, Route

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end: (?P=name) -->)", re.S)
# The API reference's sections, in the order it has them; a route's is its OpenAPI tag (local_api.openapi.tag_of).
SECTIONS = ("OAuth", "Groups", "Badges", "Claims", "Issuing and earning",
            "Customer identifiers: X-CAP-CUSTOMER-IDENTIFIER", "Revoking issues and importing earned badges",
            "Custom fields and org meta")


def section_of(route: Route) -> str:
    from local_api.openapi import tag_of  # imports every handler: only when the routes table is written

    if route.handler == "put_customer_identifiers":
        return SECTIONS[5]
    if route.handler in ("revoke_issue", "import_badges", "import_badges_put"):
        return SECTIONS[6]
    if route.path.startswith("/management"):  # Member Care: a customer's badges, beside GET /customer
        return SECTIONS[4]
    return tag_of(route)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def routes_table() -> str:
    rows = ["| method and path (after `" + BASE_PATH + "` but the token route) | handler | section |", "|---|---|---|"]
    ordered = sorted(ROUTES, key=lambda r: SECTIONS.index(section_of(r)))
    for route in ordered:
        section = section_of(route)
        link = "[Identity](../badges/README.md#identity)" if section == "OAuth" else f"[{section}](#{slug(section)})"
        auth = " (no authorizer)" if route.public else ""
        path = route.path if route.base == BASE_PATH else route.full_path
        rows.append(f"| `{route.method} {path}`{auth} | [`{route.handler}`]({route.handler}.py) | {link} |")
    return "\n".join(rows) + "\n"


def errors_table() -> str:
    rows = ["| code | HTTP | message | when |", "|---|---|---|---|"]
    for err in Err:
        spec = err.value
        rows.append(f"| {spec.code} | {spec.status} | {_cell(spec.shown or spec.message)} | {_cell(spec.when)} |")
    return "\n".join(rows) + "\n"


GENERATORS: dict[str, Callable[[], str]] = {"routes": routes_table, "errors": errors_table}


def blocks(text: str) -> Iterator[tuple[str, str]]:
    for match in BLOCK.finditer(text):
        yield match["name"], match["body"]


def regenerate(text: str) -> str:
    return BLOCK.sub(lambda m: m[1] + GENERATORS[m["name"]]() + m[4], text)


# ---- GitHub's heading anchors, and a README's links ------------------------------------------------------------

def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text, lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link counts as its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def _outside_code(text: str) -> Iterator[str]:
    fence = False
    for line in text.split("\n"):
        if line.startswith("```"):
            fence = not fence
            continue
        if not fence:
            yield line


def anchors(text: str) -> set[str]:
    """Every anchor a README's headings give (a repeated one numbered, as GitHub does), and explicit ids."""
    found: set[str] = set()
    for line in _outside_code(text):
        heading = re.match(r"#{1,6} (.+?)#*\s*$", line)
        if heading:
            base = slug(heading[1])
            name, n = base, 0
            while name in found:
                n += 1
                name = f"{base}-{n}"
            found.add(name)
        found.update(re.findall(r'<a (?:name|id)="([^"]+)"', line))
    return found


def links(text: str) -> Iterator[str]:
    """The targets of a README's Markdown links outside code blocks and inline code."""
    for line in _outside_code(text):
        line = re.sub(r"`[^`]*`", "", line)
        yield from re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", line)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path in sorted(ROOT.rglob("README*.md")):
        if any(part in (".venv", "node_modules", "cdk.out") for part in path.parts):
            continue
        text = path.read_text()
        fresh = regenerate(text)
        if fresh != text:
            stale.append(path.relative_to(ROOT))
            if not check:
                path.write_text(fresh)
    for path in stale:
        print(f"{'stale' if check else 'rewrote'}: {path}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
