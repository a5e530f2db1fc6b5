"""Breaking a title into lines (GB/T 9704 7.3.1).

A title too long for one line is broken "词意完整，排列对称，长短适宜，间距恰当"
into a 梯形 (trapezoid) or 菱形 (diamond): never inside a word ("检查情 / 况的通报"),
never after 的, 和, 与, 及 or an opening bracket, never inside a number.

The words come from a short lexicon of the vocabulary of education-bureau titles
(longest match first); a run of characters the lexicon does not know stays whole
unless no other break fits. The break points are then chosen to make as few lines
as fit, then to cost least: a break between known words costs a little, before
the 文种 ("的通知", "的通报", "情况", "工作总结", …) or after a 《…》 nothing, inside
an unknown run a lot; lines are compared with the longest one (raggedness), and
three lines that narrow in the middle (沙漏) are refused where another shape fits.
"""

from __future__ import annotations

import itertools
import re

from edubureau.core.officialdoc.text import text_width

# Lines of a 2号 title: 156 mm holds 20 characters of 22 pt; a title filling the
# whole width looks like body text, so lines stop at 18.
TITLE_LINE_CHARS = 18.0

# 文种 and the phrases that end a title: the best place to break is before them.
ENDINGS = (
    "的通知",
    "的通报",
    "的报告",
    "的请示",
    "的批复",
    "的意见",
    "的决定",
    "的函",
    "的复函",
    "的纪要",
    "的实施方案",
    "的工作方案",
    "的方案",
    "的办法",
    "的规定",
    "的总结",
    "的公告",
    "的通告",
    "情况的通报",
    "情况的报告",
    "情况",
    "工作总结",
    "工作要点",
    "工作方案",
    "工作计划",
    "实施方案",
    "实施意见",
    "专项行动方案",
)

LEXICON = frozenset(
    (
        *ENDINGS,
        # structure
        "关于",
        "印发",
        "转发",
        "开展",
        "做好",
        "进一步",
        "加强",
        "落实",
        "推进",
        "深入",
        "全面",
        "切实",
        "建立",
        "健全",
        "完善",
        "组织",
        "召开",
        "公布",
        "表彰",
        "下达",
        "调整",
        # time
        "年度",
        "春季",
        "秋季",
        "暑期",
        "寒假",
        "暑假",
        "开学",
        "学期",
        "学年",
        "上半年",
        "下半年",
        "第一季度",
        "第二季度",
        "第三季度",
        "第四季度",
        "期间",
        # education and safety
        "教育局",
        "教育厅",
        "教育",
        "学校",
        "校园",
        "幼儿园",
        "中小学",
        "中小学校",
        "中心校",
        "县直",
        "各乡镇",
        "乡镇",
        "安全",
        "安全生产",
        "安全隐患",
        "隐患",
        "排查",
        "整治",
        "整改",
        "专项",
        "检查",
        "督导",
        "督查",
        "督导检查",
        "自查",
        "巡查",
        "消防",
        "食品",
        "交通",
        "防溺水",
        "防汛",
        "校车",
        "校舍",
        "欺凌",
        "防范",
        "治理",
        "应急",
        "演练",
        "预案",
        "管理",
        "工作",
        "情况",
        "结果",
        "问题",
        "通报",
        "通知",
        "报告",
        "总结",
        "方案",
        "计划",
        "要点",
        "制度",
        "责任",
        "责任制",
        "考核",
        "评估",
        "评价",
        "监测",
        "统计",
        "数据",
        "报送",
        "月度",
        "行动",
        "活动",
        "长效机制",
        "机制",
        "体系",
        "建设",
        "质量",
        "标准",
        "规范",
        "办学",
        "行为",
        "招生",
        "入学",
        "考试",
        "教师",
        "学生",
        "师生",
        "家长",
        "教学",
        "德育",
        "体育",
        "卫生",
        "健康",
        "心理",
        "资助",
        "经费",
        "项目",
        "设施",
        "设备",
        "集中",
        "全县",
        "全市",
        "全省",
        "各县",
        "各市",
    )
)
_LONGEST = max(len(word) for word in LEXICON)

# No break after these (they bind to what follows), none before these.
_NO_BREAK_AFTER = set("的和与及、之对在从把将（《“‘")
_NO_BREAK_BEFORE = set("，。、；：？！）》”’的")

# Costs of a break point.
_FREE, _WORD, _UNKNOWN, _IN_BOOK_TITLE = 0.0, 4.0, 60.0, 6.0
_HOURGLASS = 200.0


def _segment(text: str) -> list[str]:
    """Lexicon words, fewest unknown characters first, then fewest words (a tiny
    dynamic programme: "中小学校舍" is 中小学 / 校舍, not 中小学校 / 舍)."""
    best: list[tuple[float, list[str]]] = [(0.0, [])]
    for end in range(1, len(text) + 1):
        options = []
        for n in range(1, min(_LONGEST, end) + 1):
            word = text[end - n : end]
            if n > 1 and word not in LEXICON:
                continue
            cost = best[end - n][0] + (1.0 if word in LEXICON else 3.0)
            options.append((cost, [*best[end - n][1], word]))
        best.append(min(options, key=lambda option: option[0]))
    return best[-1][1]


# A number with its unit stays whole, and so does a 《book title》 (then split inside).
_UNITS = ("年度", "年", "月", "日", "号", "所", "个")
_PARTS = re.compile(r"(《[^》]*》|[0-9.]+(?:" + "|".join(_UNITS) + r")?)")


def _tokens(title: str) -> list[tuple[str, bool]]:
    """(token, inside 《…》): numbers whole, lexicon words, other characters one by one.
    A 《 sticks to the word after it, a 》 to the word before it."""
    out: list[tuple[str, bool]] = []
    for part in _PARTS.split(title):
        if not part:
            continue
        if part[0].isdigit():
            out.append((part, False))
        elif part.startswith("《"):
            words = _segment(part[1:-1]) or [""]
            words[0], words[-1] = "《" + words[0], words[-1] + "》"
            out.extend((word, True) for word in words)
        else:
            out.extend((word, False) for word in _segment(part))
    return out


def _cost(tokens: list[tuple[str, bool]], k: int) -> float | None:
    """The cost of breaking before token k, or None if it may not be broken there."""
    (before, in_book), (after, _) = tokens[k - 1], tokens[k]
    if before[-1] in _NO_BREAK_AFTER or after[0] in _NO_BREAK_BEFORE:
        return None
    rest = "".join(token for token, _ in tokens[k:])
    if any(rest.startswith(e) for e in ENDINGS) or before.endswith("》"):
        return _FREE
    known = len(before.strip("《》")) > 1 or len(after.strip("《》")) > 1
    cost = _WORD if known else _UNKNOWN
    return cost + (_IN_BOOK_TITLE if in_book and not before.endswith("》") else 0.0)


def break_title(title: str, line_chars: float = TITLE_LINE_CHARS) -> tuple[str, ...]:
    """The title's lines: one if it fits, else the cheapest well-shaped break."""
    title = title.strip()
    if text_width(title) <= line_chars:
        return (title,)
    tokens = _tokens(title)
    points = [(k, c) for k in range(1, len(tokens)) if (c := _cost(tokens, k)) is not None]
    best: tuple[float, tuple[str, ...]] | None = None
    for lines_n in range(2, 5):
        for chosen in itertools.combinations(points, lines_n - 1):
            cuts = [0, *(k for k, _ in chosen), len(tokens)]
            lines = tuple(
                "".join(token for token, _ in tokens[a:b]) for a, b in itertools.pairwise(cuts)
            )
            widths = [text_width(line) for line in lines]
            if max(widths) > line_chars:
                continue
            cost = sum(c for _, c in chosen) + sum((max(widths) - w) ** 2 for w in widths)
            if len(widths) == 3 and widths[1] < min(widths[0], widths[2]):
                cost += _HOURGLASS
            if best is None or cost < best[0]:
                best = (cost, lines)
        if best is not None:
            return best[1]
    # Nothing fits at word boundaries: cut by width (a title this long is rare).
    lines_out: list[str] = []
    line = ""
    for ch in title:
        if text_width(line + ch) > line_chars:
            lines_out.append(line)
            line = ""
        line += ch
    return (*lines_out, line)
