"""The printable QR sheet: A4 pages of eight 105 × 74 mm stickers (the common label sheet).

Each sticker has the QR with its quiet zone and the VIN under it, and beside it the assignment,
date, model, driver and destination. Pure and CPU-bound: the service runs it in a worker.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from fpdf import FPDF

from bot.clearance.fonts import MONO_BOLD, SANS, SANS_BOLD, find_cjk_font, find_font
from bot.clearance.render import symbol_image

COLUMNS, ROWS = 2, 4
PAGE_W, PAGE_H = 210.0, 297.0
CELL_W, CELL_H = PAGE_W / COLUMNS, PAGE_H / ROWS
PADDING = 4.0
QR_SIZE = 50.0  # mm including the quiet zone: ~1.1 mm per module at version 5
QR_MODULE_PX = 10  # pixels per module in the embedded image: sharp edges when printed
PER_PAGE = COLUMNS * ROWS


@dataclass(frozen=True, slots=True)
class SheetEntry:
    assignment_id: int
    code: str
    vin: str
    service_date: date
    model: str
    driver: str
    destination: str


@dataclass(frozen=True, slots=True)
class SheetLabels:
    """Already translated by the caller (this module runs in a worker without catalogs)."""

    title: str = "Clearance QR codes"
    model: str = "Model"
    driver: str = "Driver"
    destination: str = "Destination"
    page: str = "Page {page} of {pages}"
    unassigned: str = "—"


@dataclass(frozen=True, slots=True)
class Sheet:
    entries: tuple[SheetEntry, ...]
    labels: SheetLabels = field(default_factory=SheetLabels)


def page_count(entries: Sequence[SheetEntry]) -> int:
    return max(1, math.ceil(len(entries) / PER_PAGE))


def _cmap(font: object) -> set[int]:
    """Code points a TrueType font has glyphs for (core fonts have no cmap: empty)."""
    return set(getattr(font, "cmap", None) or ())


class _Fonts:
    """Unicode fonts when the machine has them; the PDF core fonts (Latin-1) otherwise."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        sans, bold, mono = find_font(SANS), find_font(SANS_BOLD), find_font(MONO_BOLD)
        self.unicode = sans is not None and bold is not None and mono is not None
        if self.unicode:
            pdf.add_font("body", "", str(sans))
            pdf.add_font("bold", "", str(bold))
            pdf.add_font("mono", "", str(mono))
            self._roles = {"body": ("body", ""), "bold": ("bold", ""), "mono": ("mono", "")}
        else:
            self._roles = {
                "body": ("helvetica", ""),
                "bold": ("helvetica", "B"),
                "mono": ("courier", "B"),
            }
        self._cmaps: list[set[int]] = []
        self._by_font: dict[int, set[int]] = {}
        cjk = find_cjk_font()
        if self.unicode and cjk is not None:
            pdf.add_font("cjk", "", str(cjk))
            pdf.set_fallback_fonts(["cjk"])
            self._cmaps.append(_cmap(pdf.fonts["cjk"]))

    def use(self, role: str, size: float) -> None:
        family, style = self._roles[role]
        self.pdf.set_font(family, style, size)

    def printable(self, text: str) -> str:
        """Replace characters no loaded font can draw (fpdf2 would silently drop them)."""
        if not self.unicode:
            return "".join(c if c.encode("latin-1", "ignore") else "?" for c in text)
        font = self.pdf.current_font
        cmap = self._by_font.get(id(font))
        if cmap is None:
            cmap = self._by_font[id(font)] = _cmap(font)
        return "".join(
            c
            if ord(c) in cmap or any(ord(c) in extra for extra in self._cmaps) or c.isspace()
            else "?"
            for c in text
        )


def _labels(fonts: _Fonts, labels: SheetLabels) -> SheetLabels:
    """Translated labels the fonts cannot draw (Chinese without a CJK font) fall back to
    English: a readable label beats a row of question marks."""
    english = SheetLabels()
    fonts.use("body", 8)
    return SheetLabels(
        **{
            name: value if fonts.printable(value) == value else getattr(english, name)
            for name, value in (
                (name, getattr(labels, name)) for name in SheetLabels.__dataclass_fields__
            )
        }
    )


def _fit(pdf: FPDF, fonts: _Fonts, text: str, width: float) -> str:
    """One line no wider than ``width``, shortened with an ellipsis."""
    text = fonts.printable(text)
    if pdf.get_string_width(text) <= width:
        return text
    ellipsis = "…" if fonts.unicode else "..."
    while text and pdf.get_string_width(text + ellipsis) > width:
        text = text[:-1]
    return text.rstrip() + ellipsis


def _wrap(pdf: FPDF, fonts: _Fonts, text: str, width: float, lines: int) -> list[str]:
    """Greedy word wrap into at most ``lines`` lines; the last one shortened if needed."""
    words = fonts.printable(text).split()
    out: list[str] = []
    while words and len(out) < lines - 1:
        line = words.pop(0)
        while words and pdf.get_string_width(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        if pdf.get_string_width(line) > width:
            words.insert(0, line)  # one long word: let the last line shorten it
            break
        out.append(line)
    if words:
        out.append(_fit(pdf, fonts, " ".join(words), width))
    return out


def _sticker(
    pdf: FPDF, fonts: _Fonts, entry: SheetEntry, labels: SheetLabels, x: float, y: float
) -> None:
    pdf.set_draw_color(190)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, CELL_W, CELL_H)
    qr_x, qr_y = x + PADDING, y + PADDING
    pdf.image(symbol_image(entry.code, QR_MODULE_PX).convert("1"), qr_x, qr_y, QR_SIZE, QR_SIZE)
    # The VIN under the symbol, as large as the symbol is wide.
    fonts.use("mono", 12)
    pdf.set_text_color(0)
    pdf.set_xy(qr_x, qr_y + QR_SIZE + 1)
    pdf.cell(QR_SIZE, 6, _fit(pdf, fonts, entry.vin, QR_SIZE), align="C")
    fonts.use("bold", 10)
    pdf.set_xy(qr_x, qr_y + QR_SIZE + 7)
    pdf.cell(QR_SIZE, 5, entry.service_date.isoformat(), align="C")

    text_x = qr_x + QR_SIZE + 3
    width = x + CELL_W - PADDING - text_x
    pdf.set_xy(text_x, qr_y + 2)
    fonts.use("bold", 14)
    pdf.cell(width, 7, _fit(pdf, fonts, f"#{entry.assignment_id}", width))
    line_y = qr_y + 12
    for label, value, lines in (
        (labels.model, entry.model, 1),
        (labels.driver, entry.driver, 1),
        (labels.destination, entry.destination, 2),
    ):
        fonts.use("body", 7.5)
        pdf.set_text_color(90)
        pdf.set_xy(text_x, line_y)
        pdf.cell(width, 4, _fit(pdf, fonts, label, width))
        fonts.use("bold", 10.5)
        pdf.set_text_color(0)
        line_y += 4
        for line in _wrap(pdf, fonts, value or labels.unassigned, width, lines):
            pdf.set_xy(text_x, line_y)
            pdf.cell(width, 5.5, line)
            line_y += 5
        line_y += 3.5


def build_sheet_pdf(sheet: Sheet) -> bytes:
    """The whole sheet as PDF bytes (one page even when there are no entries)."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_creator("Ferryman")
    pdf.set_title(sheet.labels.title)  # metadata is Unicode-safe whatever the fonts
    fonts = _Fonts(pdf)
    labels = _labels(fonts, sheet.labels)
    pages = page_count(sheet.entries)
    for page in range(pages):
        pdf.add_page()
        chunk = sheet.entries[page * PER_PAGE : (page + 1) * PER_PAGE]
        for index, entry in enumerate(chunk):
            row, column = divmod(index, COLUMNS)
            _sticker(pdf, fonts, entry, labels, column * CELL_W, row * CELL_H)
        # A small footer inside the last row's bottom padding: which sheet, which page.
        fonts.use("body", 6)
        pdf.set_text_color(120)
        footer = f"{labels.title} · " + labels.page.format(page=page + 1, pages=pages)
        pdf.set_xy(0, PAGE_H - 3.5)
        pdf.cell(PAGE_W - 2, 3, _fit(pdf, fonts, footer, PAGE_W - 4), align="R")
    return bytes(pdf.output())
