"""A work plan written the usual way, read into its structure.

Bureaus write their 工作要点 in Word and paste it (or upload the .docx/.txt): an
issuing notice (文号, title, 主送, body, 附件, 落款), then the plan — 一、指导思想 ·
二、工作思路 · 三、工作举措 with headed groups （一）（二）… and tasks numbered 1…N
across the whole plan (seed 003). :func:`parse_plan` returns that structure and the
quantified targets recognised in each task's text ("计划培训860名中小学班主任",
"举办五期“校长大讲堂”"), with warnings in Chinese for what a person should look at
(a group number written twice, a gap in the task numbers, text outside any task).
Nothing is saved here: the user reviews and corrects the result first.

The text is normalised to full-width punctuation first (pasted text often carries
ASCII "(一)" and ","), so the rules below see one form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from edubureau.core.officialdoc.text import fullwidth

CHINESE_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}

# Units a target is counted in, longest first so 人次 wins over 人 and 万元 over 元.
# 名 is counted as 人 (the same people); the text keeps what was written.
UNITS = (
    "平方米",
    "人次",
    "场次",
    "万元",
    "亿元",
    "课时",
    "学时",
    "人",
    "名",
    "所",
    "场",
    "期",
    "次",
    "个",
    "元",
    "%",
    "间",
    "台",
    "套",
    "册",
    "项",
    "篇",
    "节",
    "班",
    "校",
    "家",
    "辆",
)
SAME_UNIT = {"名": "人"}
# A number in Chinese numerals counts only right after one of these verbs: "举办五期"
# is a target, "一岗双责", "四个意识" and "三大主线" are slogans.
COUNTING_VERBS = (
    "举办",
    "开展",
    "召开",
    "完成",
    "培训",
    "建设",
    "新建",
    "创建",
    "组织",
    "评选",
    "达到",
)

# The patterns are put together from their Chinese words and their syntax, so no
# literal mixes the two (the project's punctuation check reads every literal).


def _either(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CHINESE_NUMBER = r"[零一二两三四五六七八九十百千万]+"
_NUMERALS = r"[一二三四五六七八九十]+"
_UNIT = "|".join(re.escape(u) for u in UNITS)
MULTIPLIERS = {"万": 10000, "亿": 100000000}
# "1.2万平方米" is 12000 平方米; "2,500万元" keeps 万元 as its unit.
_MULTIPLIER = "(" + "|".join(m + "(?!" + "元" + ")" for m in MULTIPLIERS) + ")?"
ARABIC_TARGET = re.compile(
    r"(?<![\d.\-—~～A-Za-z])(" + _NUMBER + r")\s*" + _MULTIPLIER + "(" + _UNIT + ")"
)
CHINESE_TARGET = re.compile(rf"({'|'.join(COUNTING_VERBS)})({_CHINESE_NUMBER})({_UNIT})")

SECTION = re.compile("^(" + _NUMERALS + ")" + r"、\s*(.+)$")
GROUP = re.compile("^（(" + _NUMERALS + ")）" + r"\s*(.+)$")
TASK = re.compile(r"^(\d{1,3})\s*[.．、]\s*(.+)$")
PLAN_TITLE = re.compile(
    r"(\d{4})" + "年" + _either("度") + "?" + "工作" + _either("要点", "计划") + "$"
)
DOCUMENT_NUMBER = re.compile(r"^(\S+?)〔(\d{4})〕(\d+)" + "号" + "$")
ATTACHMENT = re.compile("^" + "附件" + "[：:]?")
LEADING_WORDS = re.compile("^" + _either("计划", "力争", "确保", "全年", "预计"))
TRAILING_WORDS = re.compile(
    _either("达到", "不少于", "不低于", "不超过", "超过", "以上", "左右") + "$"
)
# Clause ends: where one target's description stops.
CLAUSE_END = re.compile(r"[；。，！？]")

GUIDING_IDEA = "指导思想"
APPROACH = ("工作思路", "总体思路", "总体要求", "工作目标")


@dataclass(frozen=True)
class ParsedTarget:
    metric: str  # what is counted: "培训中小学班主任"
    value: Decimal
    unit: str  # 人, 人次, 所, 期, …
    written: str  # as written in the text: "860名", "五期"


@dataclass
class ParsedTask:
    number: int
    title: str  # the first sentence: "加强师资培训"
    text: str  # the whole paragraph, title included
    targets: list[ParsedTarget] = field(default_factory=list)


@dataclass
class ParsedGroup:
    label: str  # as written: "（三）"
    title: str
    tasks: list[ParsedTask] = field(default_factory=list)


@dataclass
class ParsedPlan:
    title: str = ""
    year: int | None = None
    document_number: str = ""
    issuer: str = ""
    guiding_idea: str = ""
    approach: str = ""
    groups: list[ParsedGroup] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def tasks(self) -> list[ParsedTask]:
        return [task for group in self.groups for task in group.tasks]


def chinese_to_int(text: str) -> int | None:
    """一 → 1, 十五 → 15, 二十 → 20, 一百二十 → 120, 两千 → 2000; None if not a number."""
    if not text:
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[ch]
        elif ch in CHINESE_UNITS:
            unit = CHINESE_UNITS[ch]
            if unit == 10000:
                total += (section + (digit or 0)) * unit
                section, digit = 0, None
            else:
                section += (1 if digit is None else digit) * unit
                digit = None
        else:
            return None
    return total + section + (digit or 0)


def find_targets(text: str) -> list[ParsedTarget]:
    """The quantified targets in a task's text: a number with a unit — Arabic anywhere
    but a year ("2017年" is not a target), Chinese numerals after a counting verb — and
    what it counts: its clause without the number, the unit and a leading 计划/力争."""
    found: list[tuple[int, int, Decimal, str, str]] = []
    for match in ARABIC_TARGET.finditer(text):
        raw, multiplier, unit = match.group(1), match.group(2), match.group(3)
        try:
            value = Decimal(raw.replace(",", "")) * MULTIPLIERS.get(multiplier or "", 1)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            continue
        found.append((match.start(), match.end(), value, unit, match.group(0)))
    for match in CHINESE_TARGET.finditer(text):
        number = chinese_to_int(match.group(2))
        if number is None:
            continue
        start = match.start(2)
        found.append(
            (start, match.end(), Decimal(number), match.group(3), text[start : match.end()])
        )
    targets = []
    for start, end, value, unit, written in sorted(found):
        clause_start = max((m.end() for m in CLAUSE_END.finditer(text, 0, start)), default=0)
        tail = CLAUSE_END.search(text, end)
        clause_end = tail.start() if tail else len(text)
        metric = (text[clause_start:start] + text[end:clause_end]).strip()
        metric = LEADING_WORDS.sub("", metric)
        metric = TRAILING_WORDS.sub("", metric)
        targets.append(
            ParsedTarget(
                metric=metric, value=value, unit=SAME_UNIT.get(unit, unit), written=written.strip()
            )
        )
    return targets


def _title_of(paragraph: str) -> str:
    first = re.split(r"[。；]", paragraph, maxsplit=1)[0]
    return first.strip()


def parse_plan(text: str) -> ParsedPlan:
    """The structure of a pasted work plan (see the module docstring)."""
    plan = ParsedPlan()
    lines = [fullwidth(line.strip()) for line in text.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    section = ""
    seen_labels: dict[str, int] = {}
    last_number = 0
    group: ParsedGroup | None = None
    stray: list[str] = []
    for line in lines:
        compact = line.replace(" ", "").replace("\u3000", "")
        if not plan.document_number and (m := DOCUMENT_NUMBER.match(compact)):
            plan.document_number = compact
            continue
        if PLAN_TITLE.search(compact) and not compact.startswith(("关于", "附件")):
            title = ATTACHMENT.sub("", compact)
            plan.title = title
            plan.year = int(PLAN_TITLE.search(title).group(1))  # type: ignore[union-attr]
            plan.issuer = title[: PLAN_TITLE.search(title).start()]  # type: ignore[union-attr]
            # Whatever came before the plan's own title was the issuing notice.
            section, group, stray = "", None, []
            plan.groups, plan.warnings, seen_labels, last_number = [], [], {}, 0
            continue
        if m := SECTION.match(line):
            section = m.group(2).strip()
            group = None
            continue
        if m := GROUP.match(line):
            label = f"（{m.group(1)}）"
            group = ParsedGroup(label=label, title=m.group(2).strip())
            position = len(plan.groups) + 1
            if label in seen_labels:
                plan.warnings.append(
                    f"第{position}组的序号“{label}”与第{seen_labels[label]}组重复，"
                    f"已按出现顺序作为第{position}组，请核对。"
                )
            else:
                seen_labels[label] = position
            plan.groups.append(group)
            continue
        if group is not None and (m := TASK.match(line)):
            number = int(m.group(1))
            if number != last_number + 1:
                plan.warnings.append(
                    f"第{number}项前面一项的序号是{last_number}，序号不连续，请核对。"
                    if number > last_number + 1
                    else f"第{number}项的序号与前面重复或倒序，请核对。"
                )
            last_number = number
            body = m.group(2).strip()
            group.tasks.append(
                ParsedTask(
                    number=number, title=_title_of(body), text=body, targets=find_targets(body)
                )
            )
            continue
        if section == GUIDING_IDEA:
            plan.guiding_idea = "\n".join(filter(None, (plan.guiding_idea, line)))
        elif section in APPROACH:
            plan.approach = "\n".join(filter(None, (plan.approach, line)))
        elif group is not None and group.tasks:
            # A paragraph continuing the last task (a task written over two paragraphs).
            task = group.tasks[-1]
            task.text = f"{task.text}\n{line}"
            task.targets = find_targets(task.text)
        elif plan.title:
            stray.append(line)
    for group in plan.groups:
        if not group.tasks:
            plan.warnings.append(
                f"“{group.label}{group.title}”下没有识别出编号的工作任务，请核对。"
            )
    if stray:
        plan.warnings.append(
            f"有{len(stray)}段文字不属于任何工作任务，未导入（第一段：“{stray[0][:30]}”），请核对。"
        )
    if not plan.groups:
        plan.warnings.append("没有识别出“（一）”“（二）”等分组和编号的工作任务，请检查粘贴的文本。")
    return plan
