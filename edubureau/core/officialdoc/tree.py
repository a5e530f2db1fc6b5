"""The document tree of an official document (公文), independent of any renderer.

Pure data: frozen dataclasses holding text. Every module (safety circulars,
reports, plans) builds an :class:`OfficialDocument`; :func:`render_docx` lays it
out per GB/T 9704-2012.

Headings carry no numbers: the renderer numbers sections 一、（一）1.（1）by depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""  # 表题
    # None: the renderer decides (moves to 附件 when too long or wide); True/False forces.
    attach: bool | None = None


@dataclass(frozen=True)
class Section:
    """A numbered part: heading (without its number), paragraphs, tables, sub-parts."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    children: tuple[Section, ...] = ()
    # "（一）层层压实责任，体系更加健全。一是…": heading and first paragraph in one
    # paragraph (heading in its level's font, the text in 仿宋).
    run_in: bool = False
    # Its own number where the document numbers across parents: a work plan's tasks
    # run 1…N through all its groups. None: numbered within its parent.
    number: int | None = None


@dataclass(frozen=True)
class Attachment:
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    # Numbered parts after the paragraphs: a plan issued with its notice (seed 003).
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class OfficialDocument:
    title: str
    issuer: str  # 发文机关署名（落款）
    # 成文日期; None for an unissued draft: the renderer writes "（成文日期）" in its place.
    dated: date | None
    recipients: str = ""  # 主送机关, e.g. "各乡镇中心校，县直各学校："
    opening: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    closing: tuple[str, ...] = ()  # e.g. "特此通报。"
    attachments: tuple[Attachment, ...] = ()
    number: str = ""  # 发文字号 "某教安〔2026〕3号"; shown under the 版头
    masthead: str = ""  # 发文机关标志 "某某县教育局文件"; "" → no 版头
    copy_to: str = ""  # 抄送 (版记)
    printed_by: str = ""  # 印发机关 (版记)
    printed_on: date | None = None  # 印发日期 (版记)
    # 落款: True lays out GB/T 9704 7.3.5.1 (加盖印章: the date four characters from
    # the right, the issuer centred over it, room for the seal); False 7.3.5.2 (不加盖
    # 印章: the issuer two characters from the right, the date two characters further in).
    sealed: bool = True
