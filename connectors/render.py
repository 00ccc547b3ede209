"""Channel-neutral helpers for rendering Rasa replies: splitting and shortening."""

from __future__ import annotations

import re

# A sentence ends with . ! ? … (optionally closed by quotes or brackets) and a
# space, or at a line break; Vietnamese uses the same punctuation.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")
ELLIPSIS = "…"


def utf16_len(text: str) -> int:
    """Length as Messenger counts it (emoji outside the BMP count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _pieces(text: str) -> list[str]:
    """Sentences (and lines) with their trailing separators kept."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _hard_split(piece: str, limit: int) -> list[str]:
    """A sentence longer than the limit: cut between words, else anywhere."""
    parts: list[str] = []
    while utf16_len(piece) > limit:
        cut = limit
        while utf16_len(piece[:cut]) > limit:
            cut -= 1
        space = piece.rfind(" ", 0, cut)
        if space > limit // 2:
            cut = space + 1
        parts.append(piece[:cut])
        piece = piece[cut:]
    if piece:
        parts.append(piece)
    return parts


def split_text(text: str, limit: int) -> list[str]:
    """Split into chunks of at most `limit` characters on sentence boundaries."""
    text = text.strip()
    if utf16_len(text) <= limit:
        return [text] if text else []
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text):
        if utf16_len(current + piece) <= limit:
            current += piece
            continue
        if current.strip():
            chunks.append(current.strip())
        current = ""
        if utf16_len(piece) <= limit:
            current = piece
        else:
            *whole, current = _hard_split(piece, limit)
            chunks.extend(part.strip() for part in whole if part.strip())
    if current.strip():
        chunks.append(current.strip())
    return chunks


def shorten(title: str, limit: int) -> str:
    """Fit a button title: drop whole words and end with '…' when too long."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    room = limit - len(ELLIPSIS)
    words, kept = title.split(" "), ""
    for word in words:
        candidate = f"{kept} {word}" if kept else word
        if len(candidate) > room:
            break
        kept = candidate
    if not kept:  # one long word: cut it
        kept = title[:room]
    return kept.rstrip(" ,;:-–") + ELLIPSIS


def image_url(reply: dict) -> str | None:
    """Rasa sends an image as a URL string or as {"url": ...}."""
    image = reply.get("image")
    if isinstance(image, dict):
        image = image.get("url")
    return str(image) if image else None
