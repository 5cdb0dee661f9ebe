"""Small real PDFs for tests, made by fpdf2 (a PDF producer other than EDMS's own code)."""

from __future__ import annotations

from fpdf import FPDF


def pdf_with_text(*lines: str) -> bytes:
    """A one-page A4 PDF showing `lines` in Helvetica."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
