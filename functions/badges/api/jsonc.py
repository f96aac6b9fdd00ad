"""JSON with comments, as the spec's own examples are written: comments are dropped, strings left alone."""
from __future__ import annotations


def strip_comments(text: str) -> str:
    """`text` without its // and /* */ comments outside strings; anything else is left for the JSON parser."""
    if "/" not in text:
        return text
    out: list[str] = []
    i, n, in_string = 0, len(text), False
    while i < n:
        char = text[i]
        if in_string:
            out.append(char)
            if char == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            out.append(" ")
            i = n if end == -1 else end + 2
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)
