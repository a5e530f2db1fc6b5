"""Official documents (公文): one pure document tree and one GB/T 9704-2012 renderer.

Build an :class:`OfficialDocument` of :class:`Section`, :class:`Table` and
:class:`Attachment`; :func:`render_docx` returns the .docx bytes (pure: no
database, no clock, no files), :func:`render_pdf` the PDF through LibreOffice
headless, :func:`docx_to_pdf` converts any .docx (the one side effect; see
:mod:`.pdf` for the fonts). :func:`fullwidth` is the punctuation normaliser the
renderer applies to every text, :func:`break_title` its title breaker.
"""

from __future__ import annotations

from edubureau.core.officialdoc.pdf import ConversionError, docx_to_pdf
from edubureau.core.officialdoc.render import render_docx
from edubureau.core.officialdoc.text import (
    chinese_date,
    chinese_number,
    fullwidth,
    heading_number,
)
from edubureau.core.officialdoc.title import break_title
from edubureau.core.officialdoc.tree import Attachment, OfficialDocument, Section, Table

__all__ = [
    "Attachment",
    "ConversionError",
    "OfficialDocument",
    "Section",
    "Table",
    "break_title",
    "chinese_date",
    "chinese_number",
    "docx_to_pdf",
    "fullwidth",
    "heading_number",
    "render_docx",
    "render_pdf",
]


def render_pdf(doc: OfficialDocument, *, timeout: float = 180.0) -> bytes:
    """The document as PDF bytes (render_docx, then docx_to_pdf)."""
    return docx_to_pdf(render_docx(doc), timeout=timeout)
