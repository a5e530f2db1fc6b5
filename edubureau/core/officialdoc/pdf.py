"""PDF through LibreOffice headless: the one side effect of this package.

Each conversion runs ``soffice --headless --convert-to pdf`` in its own temporary
directory with its own LibreOffice profile (``-env:UserInstallation``): two
conversions sharing a profile make the second one exit 0 without writing its
PDF. A conversion that outlives ``timeout`` is killed with its process group.

Fonts: the .docx names the official fonts (仿宋_GB2312, 方正小标宋简体, 黑体,
楷体_GB2312). A server rarely has them, so the conversion runs with
``FONTCONFIG_FILE`` pointing to a configuration that loads this package's
``fonts.conf`` (the official names → Noto Serif CJK SC, Noto Sans CJK SC,
AR PL KaitiM GB) and then the system's. Debian packages: libreoffice-writer-nogui,
fonts-noto-cjk, fonts-arphic-gkai00mp, fonts-liberation2 (``scripts/test.sh``
installs them).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

FONTS_CONF = Path(__file__).with_name("fonts.conf")
SYSTEM_FONTS_CONF = Path("/etc/fonts/fonts.conf")
DEFAULT_TIMEOUT = 180.0


class ConversionError(RuntimeError):
    """The PDF could not be made; the message is for the user, in Chinese."""


def soffice_path() -> str | None:
    """LibreOffice's command, or None where it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _fontconfig(directory: Path) -> Path:
    conf = directory / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig>\n"
        f'  <include ignore_missing="yes">{FONTS_CONF}</include>\n'
        f'  <include ignore_missing="yes">{SYSTEM_FONTS_CONF}</include>\n'
        f"  <cachedir>{directory / 'fontcache'}</cachedir>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    return conf


def docx_to_pdf(data: bytes, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Convert .docx bytes to PDF bytes with LibreOffice headless."""
    soffice = soffice_path()
    if soffice is None:
        raise ConversionError(
            "无法生成 PDF：服务器未安装 LibreOffice（soffice）。"
            "请安装 libreoffice-writer-nogui 及字体 fonts-noto-cjk、fonts-arphic-gkai00mp。"
        )
    with tempfile.TemporaryDirectory(prefix="officialdoc-") as tmp:
        directory = Path(tmp)
        source = directory / "document.docx"
        source.write_bytes(data)
        out = directory / "out"
        out.mkdir()
        profile = directory / "profile"
        env = {
            **os.environ,
            "FONTCONFIG_FILE": str(_fontconfig(directory)),
            "HOME": tmp,
            "TMPDIR": tmp,
            "SAL_USE_VCLPLUGIN": "svp",
        }
        command = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--nodefault",
            "--nolockcheck",
            "--nologo",
            "--norestore",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(out),
            str(source),
        ]
        process = subprocess.Popen(
            command,
            env=env,
            cwd=tmp,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ConversionError(
                f"生成 PDF 超时：LibreOffice 在 {timeout:g} 秒内未完成转换。"
            ) from None
        pdf = out / "document.pdf"
        if process.returncode != 0 or not pdf.exists():
            detail = (stderr or stdout).decode("utf-8", "replace").strip()[-500:]
            raise ConversionError(
                f"生成 PDF 失败：LibreOffice 退出码 {process.returncode}，未输出 PDF。{detail}"
            )
        return pdf.read_bytes()
