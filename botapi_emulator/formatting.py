"""Text formatting as Telegram applies it: parse modes become plain text plus entities.

Telegram measures entity offsets and message lengths in UTF-16 code units, so every offset
here is counted that way; a test that compares ``message.text`` sees what a phone would show.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from botapi_emulator.errors import ApiError, bad_request

Entity = dict[str, Any]

_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def u16len(text: str) -> int:
    """Length in UTF-16 code units (what Telegram's limits and offsets count)."""
    return len(text.encode("utf-16-le")) // 2


def parse_error(problem: str) -> ApiError:
    return bad_request(f"can't parse entities: {problem}")


def command_entities(text: str) -> list[Entity]:
    """bot_command entities a Telegram client attaches to what a user types."""
    entities: list[Entity] = []
    for match in _COMMAND_RE.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": u16len(text[: match.start()]),
                "length": u16len(match.group()),
            }
        )
    return entities


def apply_parse_mode(
    text: str, parse_mode: str | None, entities: list[Entity] | None
) -> tuple[str, list[Entity]]:
    """Plain text and entities for ``text`` sent with ``parse_mode`` or explicit entities."""
    if not parse_mode:
        return text, list(entities or [])
    mode = parse_mode.lower()
    if mode == "html":
        parsed = _parse_html(text)
    elif mode == "markdownv2":
        parsed = _MarkdownV2(text).parse()
    elif mode == "markdown":
        parsed = _parse_markdown_legacy(text)
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    plain, found = parsed
    found.sort(key=lambda e: (e["offset"], -e["length"]))
    return plain, found


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram trims surrounding whitespace; entities move with the text."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = u16len(text[: len(text) - len(text.lstrip())])
    limit = u16len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


# --- HTML ---------------------------------------------------------------------------------

_HTML_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}


class _HtmlToEntities(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.position = 0
        self.open: list[tuple[str, Entity]] = []
        self.entities: list[Entity] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        entity: Entity
        if tag == "a":
            href = values.get("href") or ""
            entity = {"type": "text_link", "url": href}
        elif tag == "span" and values.get("class") == "tg-spoiler":
            entity = {"type": "spoiler"}
        elif tag == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": values.get("emoji-id", "")}
        elif tag == "br":
            raise parse_error('Unsupported start tag "br"')
        elif tag in _HTML_SIMPLE:
            entity = {"type": _HTML_SIMPLE[tag]}
            if tag == "blockquote" and "expandable" in values:
                entity["type"] = "expandable_blockquote"
            if tag == "code" and self.open and self.open[-1][0] == "pre":
                language = (values.get("class") or "").removeprefix("language-")
                if language:
                    self.open[-1][1]["language"] = language
                # <pre><code> is one pre entity, not two.
                entity = {"type": "_ignored"}
        else:
            raise parse_error(f'Unsupported start tag "{tag}"')
        entity["offset"] = self.position
        self.open.append((tag, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise parse_error(f'Unmatched end tag "{tag}"')
        _, entity = self.open.pop()
        entity["length"] = self.position - entity["offset"]
        if entity["length"] > 0 and entity["type"] != "_ignored":
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.position += u16len(data)


def _parse_html(text: str) -> tuple[str, list[Entity]]:
    parser = _HtmlToEntities()
    parser.feed(text)
    parser.close()
    if parser.open:
        tag = parser.open[-1][0]
        raise parse_error(f'Can\'t find end tag corresponding to start tag "{tag}"')
    return "".join(parser.parts), parser.entities


# --- MarkdownV2 -----------------------------------------------------------------------------

_MDV2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}


class _MarkdownV2:
    def __init__(self, source: str) -> None:
        self.src = source
        self.parts: list[str] = []
        self.position = 0
        self.open: list[tuple[str, int]] = []
        self.entities: list[Entity] = []

    def emit(self, text: str) -> None:
        self.parts.append(text)
        self.position += u16len(text)

    def until(self, start: int, closing: str) -> tuple[str, int]:
        """Unescaped text from ``start`` to the next unescaped ``closing``."""
        out: list[str] = []
        i = start
        while i < len(self.src):
            if self.src[i] == "\\" and i + 1 < len(self.src):
                out.append(self.src[i + 1])
                i += 2
                continue
            if self.src.startswith(closing, i):
                return "".join(out), i + len(closing)
            out.append(self.src[i])
            i += 1
        raise parse_error(f"Can't find end of the entity starting at byte offset {start}")

    def parse(self) -> tuple[str, list[Entity]]:
        src = self.src
        i = 0
        while i < len(src):
            char = src[i]
            if char == "\\":
                if i + 1 >= len(src):
                    raise parse_error("Character '\\' is reserved and must be escaped")
                self.emit(src[i + 1])
                i += 2
            elif src.startswith("```", i):
                body, i = self.until(i + 3, "```")
                first, newline, rest = body.partition("\n")
                entity: Entity = {"type": "pre"}
                if newline and first and " " not in first:
                    entity["language"] = first
                    body = rest
                self.add(entity, body)
            elif char == "`":
                body, i = self.until(i + 1, "`")
                self.add({"type": "code"}, body)
            elif src.startswith("||", i):
                self.toggle("||", "spoiler")
                i += 2
            elif src.startswith("__", i):
                self.toggle("__", "underline")
                i += 2
            elif char in "*_~":
                self.toggle(char, _MDV2_MARKERS[char])
                i += 1
            elif char == "[":
                self.open.append(("[", self.position))
                i += 1
            elif char == "]" and self.open and self.open[-1][0] == "[":
                _, start = self.open.pop()
                if not src.startswith("(", i + 1):
                    raise parse_error("Character ']' is reserved and must be escaped")
                url, i = self.until(i + 2, ")")
                if self.position > start:
                    self.entities.append(
                        {
                            "type": "text_link",
                            "offset": start,
                            "length": self.position - start,
                            "url": url,
                        }
                    )
            elif char in _MDV2_RESERVED:
                raise parse_error(
                    f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
                )
            else:
                self.emit(char)
                i += 1
        if self.open:
            raise parse_error("Can't find end of the entity")
        return "".join(self.parts), self.entities

    def toggle(self, marker: str, kind: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == marker:
                _, start = self.open.pop(index)
                if self.position > start:
                    self.entities.append(
                        {"type": kind, "offset": start, "length": self.position - start}
                    )
                return
        self.open.append((marker, self.position))

    def add(self, entity: Entity, body: str) -> None:
        entity.update(offset=self.position, length=u16len(body))
        self.emit(body)
        if entity["length"]:
            self.entities.append(entity)


# --- legacy Markdown ------------------------------------------------------------------------

_LEGACY = {"*": "bold", "_": "italic", "`": "code"}


def _parse_markdown_legacy(src: str) -> tuple[str, list[Entity]]:
    parts: list[str] = []
    entities: list[Entity] = []
    position = 0
    i = 0
    while i < len(src):
        char = src[i]
        if char == "\\" and i + 1 < len(src) and src[i + 1] in "_*`[":
            parts.append(src[i + 1])
            position += 1
            i += 2
            continue
        closing = "```" if src.startswith("```", i) else char if char in _LEGACY else None
        if closing is not None:
            end = src.find(closing, i + len(closing))
            if end < 0:
                raise parse_error(
                    f"Can't find end of the entity starting at byte offset {len(src[:i].encode())}"
                )
            body = src[i + len(closing) : end]
            kind = "pre" if closing == "```" else _LEGACY[char]
            if body:
                entities.append({"type": kind, "offset": position, "length": u16len(body)})
            parts.append(body)
            position += u16len(body)
            i = end + len(closing)
            continue
        if char == "[":
            match = re.match(r"\[([^\]]*)\]\(([^)]*)\)", src[i:])
            if match:
                label = match.group(1)
                entities.append(
                    {
                        "type": "text_link",
                        "offset": position,
                        "length": u16len(label),
                        "url": match.group(2),
                    }
                )
                parts.append(label)
                position += u16len(label)
                i += match.end()
                continue
        parts.append(char)
        position += u16len(char)
        i += 1
    return "".join(parts), entities
