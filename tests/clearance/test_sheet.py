"""The printable sheet opens (rendered with pdfium) and every code on it scans."""

from __future__ import annotations

import pypdfium2 as pdfium

from bot.clearance.sheet import PER_PAGE, Sheet, SheetEntry, SheetLabels, build_sheet_pdf
from bot.clearance.token import sign
from tests.clearance.helpers import EXPIRES, SERVICE_DATE, decode, keyring, vin

A4_POINTS = (595, 842)


def pdf_codes(pdf: bytes) -> tuple[int, list[str], list[tuple[int, int]]]:
    """(pages, decoded codes in page order, page sizes in points)."""
    document = pdfium.PdfDocument(pdf)
    try:
        codes: list[str] = []
        sizes = []
        for page in document:
            sizes.append(tuple(round(side) for side in page.get_size()))
            bitmap = page.render(scale=150 / 72, grayscale=True)
            codes.extend(decode(bitmap.to_pil()))
            page.close()
        return len(document), codes, sizes
    finally:
        document.close()


def _entries(count: int) -> tuple[SheetEntry, ...]:
    entries = []
    for i in range(1, count + 1):
        v = vin(i)
        code = sign(keyring(), i, v, SERVICE_DATE, EXPIRES) if i % 4 else f"KZ-CUSTOMS-{i:06d}"
        entries.append(
            SheetEntry(
                assignment_id=i,
                code=code,
                vin=v,
                service_date=SERVICE_DATE,
                model="BYD Song Plus DM-i white",
                driver=["Ерлан Серикович", "王建国", "", "Aidos"][i % 4],
                destination="Almaty delivery lot, Kuldzhinsky tract 12, very long address",
            )
        )
    return tuple(entries)


def test_every_code_on_every_page_decodes() -> None:
    entries = _entries(PER_PAGE + 3)
    pdf = build_sheet_pdf(Sheet(entries, SheetLabels(title="QR 2026-11-30")))
    assert pdf.startswith(b"%PDF-")
    pages, codes, sizes = pdf_codes(pdf)
    assert pages == 2
    assert set(sizes) == {A4_POINTS}
    assert sorted(codes) == sorted(e.code for e in entries)


def test_an_empty_day_still_makes_a_valid_one_page_pdf() -> None:
    assert pdf_codes(build_sheet_pdf(Sheet(())))[:2] == (1, [])


def test_labels_fall_back_to_english_only_when_undrawable() -> None:
    def text_of(labels: SheetLabels) -> str:
        document = pdfium.PdfDocument(build_sheet_pdf(Sheet(_entries(1), labels)))
        try:
            page = document[0]
            text: str = page.get_textpage().get_text_range()
            return text
        finally:
            document.close()

    russian = text_of(SheetLabels(model="Модель", driver="Водитель", destination="Куда"))
    assert "Модель" in russian and "Водитель" in russian
    from bot.clearance.fonts import find_cjk_font

    if find_cjk_font() is None:
        chinese = text_of(SheetLabels(model="型号", driver="司机", destination="目的地"))
        assert "Model" in chinese and "Driver" in chinese and "型号" not in chinese
