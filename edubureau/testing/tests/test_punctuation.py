"""Chinese text a user sees uses full-width punctuation （，：；（）？！）, never ASCII
``,:;()?!`` (docs: the official register), across the whole project: every Python
module of edubureau (but tests, test helpers and migrations), every Django template,
the project's own JavaScript and the data files an app ships (``*/data/*.json``).
The files are found by walking the tree, so a new module, template, script or data
file is covered without touching this test. (safety/tests/test_punctuation.py holds
the dashboard and circular modules to the same rule.)

What counts as text:

- Python: every string literal but docstrings; for an f-string its literal parts
  (expressions and format specs such as ``{day:%Y-%m-%d}`` are code, a string
  inside an expression counts on its own), and in a plain string ``%(name)s`` and
  ``{name:spec}`` placeholders are code too.
- Templates: text between tags, where a ``{{ value }}`` counts as Chinese (a
  school's name, a label: ``{{ school }}({{ code }})`` is Chinese text); attribute
  values (placeholder, title, aria-label, …; not style or on*); the quoted strings
  inside ``{% %}`` and ``{{ }}`` (``default:"（空）"``). Tags themselves, comments
  and the content of ``<script>`` and ``<style>`` are not text.
- JavaScript (``static/js``, not ``static/vendor``): string and template literals
  outside ``${…}``; comments are not.
- Data files: every string value of the JSON.

A text is wrong when a Chinese part of it holds one of ``,;:()?!``. Not punctuation:
a colon or comma between two digits (``10:00``, ``3.1:6.9``, ``1,200``) and a URL.
The English half of a bilingual string, after " / " (``只生成数据，不启动服务 /
build only``), keeps its own punctuation.
"""

from __future__ import annotations

import ast
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EDUBUREAU = ROOT / "edubureau"

# A Chinese character, or a template's {{ value }} between tags (see VALUE).
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\ue000]")
ASCII_PUNCTUATION = re.compile(r"[,;:()?!]")
# Not punctuation of the text: a time or a ratio (10:00, 3.1:6.9), a number's
# thousands separator (1,200) and a URL (https://…).
NOT_PUNCTUATION = re.compile(r"(?<=\d)[:,](?=\d)|[a-z][a-z0-9+.-]*://\S*")
# The project's bilingual strings put the English after " / " ("只生成数据，不启动服务
# / build only"); the English half keeps its own punctuation.
ENGLISH_HALF = re.compile(r"/\s+(?=[A-Za-z])")

# Files left out (path -> why): none today.
EXCLUDED: dict[str, str] = {}

# The only texts allowed to break the rule: (file, the text as read above) -> reason.
ALLOWED: dict[tuple[str, str], str] = {
    (
        "edubureau/core/services.py",
        r"^(\d)[-/.年](\d{1,2})[-/.月](\d{1,2})日?$",  # {4} reads as a placeholder
    ): "a regular expression for dates typed as 2027年1月1日, not text",
    (
        "edubureau/core/services.py",
        r"\s*(?:至|到|~|～|—|–)\s*",
    ): "a regular expression for the date-range separators, not text",
    (
        "edubureau/notifications/webhooks.py",
        "[查看详情]()",
    ): "Markdown link syntax [text](url) of the group robots' messages, not text",
}


def _faults(text: str) -> bool:
    """Whether a Chinese part of ``text`` holds an ASCII mark."""
    for part in ENGLISH_HALF.split(text):
        part = NOT_PUNCTUATION.sub(" ", part)
        if CJK.search(part) and ASCII_PUNCTUATION.search(part):
            return True
    return False


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- Python -----------------------------------------------------------------------

PYTHON_PLACEHOLDER = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrx%]"  # %(name)s
    r"|\{[A-Za-z_]?[\w.\[\]]*(?:![rsa])?(?::[^{}]*)?\}"  # {name}, {0:.1f}
)


def _python_modules() -> list[str]:
    found = []
    for path in sorted(EDUBUREAU.rglob("*.py")):
        parts = path.relative_to(EDUBUREAU).parts
        if {"tests", "migrations", "testing"} & set(parts[:-1]):
            continue
        if path.name in {"testing.py", "conftest.py"} or path.name.startswith("test_"):
            continue
        found.append(_relative(path))
    return found


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            found.add(id(node.value))
    return found


def python_texts(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal but docstrings: for an f-string, its
    literal parts (a string inside one of its expressions counts on its own, a
    format spec not at all); in a plain string, ``%`` and ``str.format``
    placeholders removed."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in node.values)
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            skip.update(id(part) for part in ast.walk(node.format_spec))
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                part.value
                for part in node.values
                if isinstance(part, ast.Constant) and isinstance(part.value, str)
            )
            out.append((node.lineno, text))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, PYTHON_PLACEHOLDER.sub("", node.value)))
    return sorted(out)


# --- Templates --------------------------------------------------------------------

TEMPLATE_COMMENT = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
TEMPLATE_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
QUOTED = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"|\'([^\'\\]*(?:\\.[^\'\\]*)*)\'')


def _templates() -> list[str]:
    return sorted(
        _relative(path)
        for path in EDUBUREAU.rglob("*.html")
        if "templates" in path.relative_to(EDUBUREAU).parts
    )


def _blank(match: re.Match[str]) -> str:
    """The match replaced by spaces, its newlines kept so line numbers hold."""
    return re.sub(r"[^\n]", " ", match.group(0))


VALUE = "\ue000"  # where a {{ value }} stood; shown as {{…}}


def _placeholder(match: re.Match[str]) -> str:
    """``{{ value }}`` becomes VALUE, ``{% tag %}`` (which prints nothing) blank."""
    blank = _blank(match)
    return VALUE + blank[1:] if match.group(0).startswith("{{") else blank


class _TemplateText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if value and name != "style" and not name.startswith("on"):
                self.texts.append((line, value.replace(VALUE, " ")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        # HTMLParser hands <script> and <style> content to handle_data as well.
        if self.cdata_elem is None:  # type: ignore[attr-defined]
            # Between tags a value is text, Chinese as often as not (a school's name,
            # a label): "{{ school }}({{ code }})" is Chinese text (VALUE counts as CJK).
            line = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
            self.texts.append((line, data))


def template_texts(source: str) -> list[tuple[int, str]]:
    """(line, text) of the text nodes, attribute values and the quoted strings of
    template tags of a Django template."""
    source = TEMPLATE_COMMENT.sub(_blank, source)
    out = []
    for tag in TEMPLATE_TAG.finditer(source):
        line = source.count("\n", 0, tag.start()) + 1
        for quoted in QUOTED.finditer(tag.group(0)):
            out.append((line, quoted.group(1) or quoted.group(2) or ""))
    parser = _TemplateText()
    parser.feed(TEMPLATE_TAG.sub(_placeholder, source))
    parser.close()
    return sorted(out + parser.texts)


# --- JavaScript -------------------------------------------------------------------

JS_TOKEN = re.compile(
    r"//[^\n]*"
    r"|/\*.*?\*/"
    r'|"(?P<dq>[^"\\\n]*(?:\\.[^"\\\n]*)*)"'
    r"|'(?P<sq>[^'\\\n]*(?:\\.[^'\\\n]*)*)'"
    r"|`(?P<tl>[^`\\]*(?:\\.[^`\\]*)*)`",
    re.S,
)
JS_INTERPOLATION = re.compile(r"\$\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")


def _scripts() -> list[str]:
    return sorted(_relative(path) for path in (EDUBUREAU / "static" / "js").rglob("*.js"))


def js_texts(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string and template literal (``${…}`` left out)."""
    out = []
    for token in JS_TOKEN.finditer(source):
        text = token.group("dq") or token.group("sq") or token.group("tl")
        if text:
            line = source.count("\n", 0, token.start()) + 1
            out.append((line, JS_INTERPOLATION.sub(" ", text)))
    return out


# --- Data files -------------------------------------------------------------------


def _data_files() -> list[str]:
    return sorted(_relative(path) for path in EDUBUREAU.glob("*/data/**/*.json"))


def json_texts(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string value (keys are names, not text)."""
    out = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            at = source.find(json.dumps(value, ensure_ascii=False))
            out.append((source.count("\n", 0, at) + 1 if at >= 0 else 0, value))

    walk(json.loads(source))
    return out


# --- The checks -------------------------------------------------------------------


def _wrong(path: str, texts: list[tuple[int, str]]) -> list[str]:
    return [
        f"{path}:{line}: {' '.join(text.replace(VALUE, '{{…}}').split())!r}"
        for line, text in texts
        if _faults(text) and (path, text) not in ALLOWED
    ]


def _check(paths: list[str], read) -> None:
    wrong = []
    for path in paths:
        if path in EXCLUDED:
            continue
        wrong += _wrong(path, read((ROOT / path).read_text(encoding="utf-8")))
    assert not wrong, (
        "Chinese text with ASCII punctuation; use full-width （，：；（）？！）:\n"
        + "\n".join(wrong)
    )


def test_python_modules_use_full_width_punctuation():
    _check(_python_modules(), python_texts)


def test_templates_use_full_width_punctuation():
    _check(_templates(), template_texts)


def test_scripts_use_full_width_punctuation():
    _check(_scripts(), js_texts)


def test_data_files_use_full_width_punctuation():
    _check(_data_files(), json_texts)


def test_the_files_are_found_by_walking_the_tree():
    modules, templates, scripts = _python_modules(), _templates(), _scripts()
    assert "edubureau/safety/data/checklist_default.json" in _data_files()
    assert "edubureau/core/excel.py" in modules
    assert "edubureau/orgs/models.py" in modules
    assert "edubureau/safety/management/commands/safety_mark_overdue.py" in modules
    assert not [m for m in modules if "/tests/" in m or "/migrations/" in m]
    assert "edubureau/templates/base.html" in templates
    assert "edubureau/safety/templates/safety/hazards/detail.html" in templates
    assert "edubureau/static/js/app.js" in scripts
    assert not [s for s in scripts if "/vendor/" in s]


def test_the_excluded_and_allowed_entries_still_exist():
    """An entry outliving its file or literal would silently allow a new one."""
    for path in EXCLUDED:
        assert (ROOT / path).is_file(), path
    readers = {".py": python_texts, ".html": template_texts, ".js": js_texts, ".json": json_texts}
    for path, text in ALLOWED:
        texts = readers[Path(path).suffix]((ROOT / path).read_text(encoding="utf-8"))
        assert text in [t for _, t in texts], (path, text)


def test_the_python_check_catches_ascii_punctuation():
    source = (
        'x = f"共{n}个,其中{m:%Y}"\n'
        'y = "整改率(%)"\n'
        '"""文档(docstring)"""\n'
        'z = "%(count)s所学校"\n'
        'w = "共{count}所,{rate:.1f}%"\n'
        'v = "比例3.1:6.9,开始10:00"\n'
        'u = "见https://example.cn"\n'
        'k = "field_name: value"\n'
    )
    found = [text for _, text in python_texts(source) if _faults(text)]
    assert found == ["共个,其中", "整改率(%)", "共所,%", "比例3.1:6.9,开始10:00"]


def test_the_template_check_catches_ascii_punctuation():
    source = (
        "{% extends 'base.html' %}{# 注释(不算) #}\n"
        '<p class="x:y">共{{ n }}条,已读</p>\n'
        '<input placeholder="姓名(必填)" style="a:b" onclick="f(1)" title="{{ a }}:{{ b }}">\n'
        '{{ value|default:"未填写(空)" }}{% if a %}(无){% endif %}\n'
        "<script>alert('提示:x');</script><style>p:before{content:'注'}</style>\n"
        "{% comment %}注释:不算{% endcomment %}<span>时间10:00</span>\n"
        '<dd>{{ school.name }}({{ school.code }})</dd><a href="?a={{ x }}&b=1">导出</a>\n'
    )
    found = [
        (line, " ".join(text.replace(VALUE, "{}").split()))
        for line, text in template_texts(source)
        if _faults(text)
    ]
    assert found == [
        (2, "共{} 条,已读"),
        (3, "姓名(必填)"),
        (4, "{} (无)"),
        (4, "未填写(空)"),
        (7, "{} ({} )"),
    ]


def test_the_script_check_catches_ascii_punctuation():
    source = (
        "// 注释: 不算\n"
        'const a = "确定删除吗?";\n'
        "const b = `共${n.map((x) => x)}条,已读`;\n"
        "const c = 'ok:(1)'; /* 注释(不算) */\n"
    )
    found = [(line, text) for line, text in js_texts(source) if _faults(text)]
    assert found == [(2, "确定删除吗?"), (3, "共 条,已读")]


def test_the_data_check_reads_values_not_keys():
    source = '{\n "note(备注)": "默认(13大类)",\n "items": [{"text": "完好，无破损"}]\n}\n'
    assert [(line, text) for line, text in json_texts(source) if _faults(text)] == [
        (2, "默认(13大类)")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "整改率（%）",
        "10:00开始",
        "比例3.1:6.9",
        "共1,200所",
        "ok (1)",
        "请输入以 https:// 开头的地址",
        "只生成数据，不启动服务 / build only (no server)",
    ],
)
def test_full_width_or_non_chinese_text_passes(text):
    assert not _faults(text)


@pytest.mark.parametrize(
    "text", ["共3所,其中", "整改率(%)", "确定吗?", "注意!", "备注:无", "甲;乙", "网址 URL: x"]
)
def test_chinese_text_with_an_ascii_mark_fails(text):
    assert _faults(text)
