"""What the language tests share: the catalogues (compiled when stale), the strings the End User
Portal marks for translation (extracted with babel, as ``make translations`` does), and a
reader that finds English left in a page's visible text.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal.extensions import db
from portal.models import AuditEvent
from portal.models.base import Base

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "portal" / "translations"
TRANSLATED = ("es", "fr", "de")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def ensure_compiled() -> None:
    """Compile each catalogue whose .mo is missing or older than its .po (``make install`` does it too)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


@cache
def extracted() -> dict[str | tuple[str, ...], list[str]]:
    """Every marked string of the portal (babel.cfg), with the files it comes from."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str | tuple[str, ...], list[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            message = tuple(part for part in message if part)
            message = message if len(message) > 1 else message[0]
        if message:
            found.setdefault(message, []).append(filename)
    return found


@cache
def catalogue(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=locale)


class _VisibleText(HTMLParser):
    """The text a person reads or hears: text nodes (not script or style) and the attributes read out."""

    SPOKEN = ("aria-label", "title", "placeholder", "hx-confirm", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in self.SPOKEN and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(" ".join(part.split()) for part in parser.parts)


@cache
def _english_fragments(locale: str) -> tuple[tuple[str, re.Pattern], ...]:
    """The English pieces of every msgid that must not be seen in ``locale``.

    A msgid is split at its placeholders; a piece is left out when the translation says the same
    (``Code``, ``Total``) or when the piece is part of a translation of the same locale (``IP`` in
    ``Adresse IP``, ``Floating`` in ``Floating-Lizenz``).
    """
    catalog = catalogue(locale)
    translations = " \n ".join(
        " ".join(m.string) if isinstance(m.string, tuple) else m.string for m in catalog if m.id and m.string
    )
    pieces: dict[str, re.Pattern] = {}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in ids:
            for piece in PLACEHOLDER.split(text)[::2]:
                piece = piece.strip(" .,:;?!()·–“”\"'#")
                if len(piece) < 2 or not re.search(r"[A-Za-z]{2}", piece):
                    continue
                pattern = re.compile(r"(?<![\w-])" + re.escape(piece) + r"(?![\w-])")
                if not pattern.search(translations):
                    pieces[piece] = pattern
    return tuple(sorted(pieces.items(), key=lambda item: -len(item[0])))


def english_left(html: str, locale: str, data: tuple[str, ...] = ()) -> list[str]:
    """The English msgid pieces found in the page's visible text, once the data shown on it is taken out.

    ``data`` holds what the page shows but nobody translates: names of products, people and
    policies, emails, references, keys, hostnames, notes, codes.
    """
    text = visible_text(html)
    values = sorted({d for d in data if d}, key=len, reverse=True)
    if values:
        # Whole values only: a short code must not cut a word of the page in two.
        text = re.sub(r"(?<!\w)(?:" + "|".join(map(re.escape, values)) + r")(?!\w)", " ", text)
    return [piece for piece, pattern in _english_fragments(locale) if pattern.search(text)]


# Columns whose values are data: shown as they are, in whatever language they were written.
DATA_COLUMNS = {
    "name", "email", "first_name", "last_name", "company", "phone", "reference", "license_key", "note",
    "hostname", "hardware_id", "os", "ip", "code", "description", "actor_label", "object_label", "prefix",
}  # fmt: skip


def data_shown() -> tuple[str, ...]:
    """Every value of a data column in the database, and the values the audit events carry."""
    values: set[str] = set()
    for mapper in Base.registry.mappers:
        columns = [c for c in mapper.columns if c.key in DATA_COLUMNS and isinstance(c.type, sa.String)]
        for column in columns:
            values.update(v for v in db.session.scalars(sa.select(column).distinct()) if isinstance(v, str))
    for before, after in db.session.execute(sa.select(AuditEvent.before, AuditEvent.after)):
        for blob in (before, after):
            values.update(_strings(blob))
    return tuple(v for v in values if len(v) > 1)


def _strings(blob: Any) -> list[str]:
    if isinstance(blob, dict):
        return [s for v in blob.values() for s in _strings(v)]
    if isinstance(blob, list):
        return [s for v in blob for s in _strings(v)]
    return [blob] if isinstance(blob, str) else []
