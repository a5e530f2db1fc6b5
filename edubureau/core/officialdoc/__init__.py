"""Official documents (公文): one pure document tree and one GB/T 9704-2012 renderer.

Build an :class:`OfficialDocument` of :class:`Section`, :class:`Table` and
:class:`Attachment`; :func:`render_docx` returns the .docx bytes, :func:`render_pdf`
the PDF (through LibreOffice headless), :func:`docx_to_pdf` converts any .docx.
"""

from __future__ import annotations

from edubureau.core.officialdoc.tree import Attachment, OfficialDocument, Section, Table

__all__ = [
    "Attachment",
    "OfficialDocument",
    "Section",
    "Table",
    "docx_to_pdf",
    "render_docx",
    "render_pdf",
]


def render_docx(doc: OfficialDocument) -> bytes:
    """The document as .docx bytes, laid out per GB/T 9704-2012."""
    raise NotImplementedError


def docx_to_pdf(data: bytes) -> bytes:
    """Convert .docx bytes to PDF bytes with LibreOffice headless."""
    raise NotImplementedError


def render_pdf(doc: OfficialDocument) -> bytes:
    """The document as PDF bytes (render_docx, then docx_to_pdf)."""
    return docx_to_pdf(render_docx(doc))
