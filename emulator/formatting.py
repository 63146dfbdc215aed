"""Check text formatted with parse_mode the way Telegram does and return the visible text.

Telegram refuses malformed markup with "Bad Request: can't parse entities: ..."; bots that
forget to escape user input meet that error here instead of in production. Formatting
entities themselves are not reported back (messages carry plain text only).
"""
from __future__ import annotations

import html
import re

from emulator.errors import ApiError, bad_request

_HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)\s*>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough",
               "||": "spoiler", "`": "code", "```": "pre"}


def render(text: str, parse_mode: str | None) -> str:
    """Return the text a user sees, or raise a 400 for markup Telegram would refuse."""
    if not parse_mode:
        return text
    mode = parse_mode.lower()
    if mode == "html":
        return _html(text)
    if mode == "markdownv2":
        return _markdown_v2(text)
    if mode == "markdown":
        return _markdown(text)
    raise bad_request("unsupported parse_mode")


def _cant_parse(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _html(text: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG.match(text, i)
            if not match:
                raise _cant_parse(f"Unexpected end of name token at byte offset {_offset(text, i)}")
            closing, name = match.group(1), match.group(2).lower()
            if name not in _HTML_TAGS:
                kind = "end" if closing else "start"
                raise _cant_parse(f'Unsupported {kind} tag "{name}" at byte offset {_offset(text, i)}')
            if closing:
                if not stack or stack[-1] != name:
                    expected = f'"</{stack[-1]}>"' if stack else "no end tag"
                    raise _cant_parse(
                        f'Unmatched end tag at byte offset {_offset(text, i)}, '
                        f'expected {expected}, found "</{name}>"'
                    )
                stack.pop()
            else:
                stack.append(name)
            i = match.end()
        elif char == "&" and (match := _ENTITY.match(text, i)):
            out.append(html.unescape(match.group(0)))
            i = match.end()
        else:
            out.append(char)
            i += 1
    if stack:
        raise _cant_parse(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def _markdown_v2(text: str) -> str:
    out: list[str] = []
    open_marks: list[tuple[str, int]] = []
    in_link = False
    i = 0
    at_line_start = True
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 < len(text):
                out.append(text[i + 1])
            i += 2
            at_line_start = False
            continue
        code_mark = "```" if text.startswith("```", i) else "`" if char == "`" else None
        if code_mark:
            end = text.find(code_mark, i + len(code_mark))
            if end < 0:
                raise _cant_parse(
                    f"Can't find end of {_MDV2_NAMES[code_mark]} entity at byte offset {_offset(text, i)}"
                )
            body = text[i + len(code_mark):end]
            if code_mark == "```" and "\n" in body:
                body = body.split("\n", 1)[1]
            out.append(re.sub(r"\\(.)", r"\1", body))
            i = end + len(code_mark)
            at_line_start = False
            continue
        mark = next((m for m in ("__", "||") if text.startswith(m, i)), None) or (
            char if char in "*_~" else None
        )
        if mark:
            if open_marks and open_marks[-1][0] == mark:
                open_marks.pop()
            else:
                open_marks.append((mark, i))
            i += len(mark)
        elif char == "[":
            if in_link:
                raise _reserved(char)
            in_link = True
            i += 1
        elif char == "]" and in_link:
            match = re.compile(r"\]\(((?:\\.|[^)\\])*)\)").match(text, i)
            if not match:
                raise _cant_parse(f"Can't find end of a url at byte offset {_offset(text, i)}")
            in_link = False
            i = match.end()
        elif char == ">" and at_line_start:
            i += 1
        elif char in _MDV2_RESERVED:
            raise _reserved(char)
        else:
            out.append(char)
            i += 1
        at_line_start = char == "\n"
    if open_marks:
        mark, start = open_marks[-1]
        raise _cant_parse(f"Can't find end of {_MDV2_NAMES[mark]} entity at byte offset {_offset(text, start)}")
    if in_link:
        raise _cant_parse("Can't find end of text_link entity")
    return "".join(out)


def _reserved(char: str) -> ApiError:
    return _cant_parse(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def _markdown(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        if char in "*_`":
            mark = "```" if text.startswith("```", i) else char
            end = text.find(mark, i + len(mark))
            if end < 0:
                raise _cant_parse(f"Can't find end of the entity starting at byte offset {_offset(text, i)}")
            out.append(text[i + len(mark):end])
            i = end + len(mark)
            continue
        if char == "[":
            match = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(text, i)
            if not match:
                raise _cant_parse(f"Can't find end of the entity starting at byte offset {_offset(text, i)}")
            out.append(match.group(1))
            i = match.end()
            continue
        out.append(char)
        i += 1
    return "".join(out)
