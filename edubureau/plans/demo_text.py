"""The demo county's work plan, written the way a bureau writes one (modelled on seed
003), and how the demo assigns it: lead departments, targets linked to the record,
deadlines and milestones, and how well each task goes (its pace in the demo).

The text is read by the same parser a user's paste goes through, so the demo exercises
it; ``{bureau}`` and ``{year}`` are filled in when the demo is built."""

from __future__ import annotations

PLAN_TEXT = """{bureau}{year}年工作要点
一、指导思想
以习近平新时代中国特色社会主义思想为指导，全面贯彻党的教育方针，落实立德树人根本任务，坚持以人民为中心发展教育，加快建设高质量教育体系，办好人民满意的教育。
二、工作思路
坚持“安全为重、质量为本、公平为先”，围绕义务教育优质均衡发展和学前教育普及普惠两大目标，实施“平安校园”“名优队伍”“质量提升”三大工程，推动全县教育高质量发展。
三、工作举措
（一）坚持党建引领，全面从严治党治教
1.加强党的建设。深入学习贯彻党的二十大精神，落实中小学校党组织领导的校长负责制，全年开展党组织书记抓党建述职评议1次，培训党务干部120人次。
2.加强党风廉政建设。落实全面从严治党主体责任，开展廉政警示教育，对学校财务管理、招生收费等开展专项检查。
3.推进依法治教。深化“法律进学校”，完善学校章程，创建依法治校示范学校5所。
（二）坚持安全为重，建设平安校园
4.落实安全责任。签订安全目标责任书，严格安全约谈和考核，全面推行学校安全隐患月度排查，隐患整改率达到100%。
5.加强应急演练。各校每学期至少开展2次应急疏散演练，全县全年开展应急演练不少于600场次，参加演练师生不少于80000人次。
6.强化专项整治。开展防溺水、交通安全、消防安全、食品安全和校园欺凌专项治理，加强校车安全监管。
7.加强安全教育。上好“开学安全第一课”，开展安全教育主题活动不少于300场次。
（三）坚持公平优质，办好人民满意的教育
8.推进学前教育普及普惠。新建、改扩建公办幼儿园3所，学前三年毛入园率达到92%，普惠性幼儿园覆盖率达到90%。
9.推进义务教育优质均衡。实施义务教育薄弱环节改善与能力提升项目，九年义务教育巩固率达到97%，消除大班额。
10.办好普通高中教育。推进普通高中多样化有特色发展，高中阶段毛入学率达到93%。
11.发展职业教育。完成中职招生任务，组织中职学生技能大赛，开展校企合作项目10个。
12.做好教育统计。按时完成教育事业统计，统计报表按时上报率达到100%。
13.落实学生资助政策。做好学前教育资助、义务教育“两免一补”和普通高中国家助学金发放工作，全年资助学生3000人次。
（四）坚持人才强教，建设名优教师队伍
14.加强师德师风建设。开展师德师风专题教育，签订师德承诺书，严肃查处违规补课等行为。
15.加强教师培训。计划培训中小学班主任500名；培训骨干教师200人次；培训新招聘教师80名；举办四期“校长论坛”，培训干部、教师1500人次。
16.推进教师交流轮岗。实施“县管校聘”，推动城乡教师交流轮岗，全年交流轮岗教师150人。
17.补充教师队伍。公开招聘教师80名，优先补充农村学校和紧缺学科教师。
（五）坚持改革创新，提升教育质量
18.深化课堂教学改革。开展课堂教学比赛，评选优质课60节，建设课改示范学校10所。
19.加强教育督导。开展责任督学挂牌督导，每月对挂牌学校至少督导1次，完成学校督导评估30所。
20.推进教育信息化。升级改造教育城域网，建设智慧教室50间。
"""

# Task number -> the department code that leads it.
LEADS: dict[int, str] = {
    1: "office",
    2: "office",
    3: "policy",
    4: "safety",
    5: "safety",
    6: "safety",
    7: "safety",
    8: "preschool",
    9: "basic_education",
    10: "basic_education",
    11: "vocational",
    12: "basic_education",
    13: "student_aid",
    14: "personnel",
    15: "personnel",
    16: "personnel",
    17: "personnel",
    18: "research",
    19: "supervision",
    20: "facilities",
}

# (task number, target position from 1) -> the metric the record measures it by.
LINKED: dict[tuple[int, int], str] = {
    (4, 1): "safety.hazards.rectification_rate",
    (5, 1): "safety.drills.count",
    (5, 2): "safety.drills.participants",
    (8, 2): "stats.indicator.kg_gross",
    (8, 3): "stats.indicator.kg_affordable",
    (10, 1): "stats.indicator.senior_gross",
}

# Task number -> (deadline as (month, day), milestones as ((month, day), percent), ...).
SCHEDULE: dict[int, tuple[tuple[int, int], tuple[tuple[tuple[int, int], int], ...]]] = {
    1: ((12, 31), (((6, 30), 50),)),
    3: ((11, 30), ()),
    8: ((12, 31), (((8, 31), 60),)),
    11: ((10, 31), (((9, 30), 80),)),
    12: ((10, 15), (((9, 20), 90),)),
    15: ((12, 31), (((7, 31), 60),)),
    17: ((9, 30), (((7, 31), 50),)),
    20: ((12, 31), (((6, 30), 30),)),
}

# How well a task goes: its progress relative to the pace (1.0 keeps to it; below 0.8
# lags). The rest go at 0.95–1.1.
PACE: dict[int, float] = {3: 0.5, 11: 0.7, 16: 0.6, 17: 0.55, 20: 0.4, 19: 1.2, 13: 1.15}
