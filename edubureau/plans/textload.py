"""The text of an uploaded plan: a .txt (UTF-8 or GB18030, as Windows Notepad saves
Chinese) or a .docx (its paragraphs, in order). Anything else is refused in Chinese."""

from __future__ import annotations

import io
import zipfile

from docx import Document

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_READ = MAX_UPLOAD_BYTES + 1  # one byte past the limit, so the limit is seen


class UnreadableText(ValueError):
    pass


def text_of_upload(name: str, data: bytes) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise UnreadableText("文件超过2MB，请只上传工作要点的正文。")
    lower = name.lower()
    if lower.endswith(".docx"):
        try:
            document = Document(io.BytesIO(data))
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise UnreadableText(
                "无法读取该Word文件，请用Word另存为.docx后再上传，或直接粘贴文本。"
            ) from exc
        return "\n".join(p.text for p in document.paragraphs)
    if lower.endswith(".txt"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise UnreadableText("无法识别该文本文件的编码，请另存为UTF-8后再上传，或直接粘贴文本。")
    raise UnreadableText("只能上传.docx或.txt文件（旧版.doc请先用Word另存为.docx）。")
