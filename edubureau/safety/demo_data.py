"""The numbers and texts the safety demo draws from: rates of hazards, lateness and
rectification behaviour, category weights, what a failed item looks like, plans,
evidence, campaigns and activities. Tuned so that the dashboards of the demo county
look like a real county's (seed 004's summaries); ``demo.py`` turns them into rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from edubureau.orgs.models import Locality, SchoolKind
from edubureau.rectification.models import Severity

# Months of self-inspections: one year at city and province scale. The county goes
# back far enough for year-over-year comparisons (demo.county_first_month): to
# January of last year and to the start of the last school year, 19 to 24 months.
OTHER_MONTHS = 12

# Hazards per inspection (Poisson means, times the school's own factor).
SELF_RATE = 0.095
CAMPAIGN_RATE = 0.45
AD_HOC_SHARE = 0.08  # ad hoc reports, as a share of the hazards found by inspections
CHRONIC_SHARE = 0.35  # a hazard hits one of the school's two weak items this often

# Self-inspection behaviour.
LAGGARD_SHARE = 0.05
MISSING = {"normal": 0.006, "laggard": 0.12}
MISSING_CURRENT = {"normal": 0.06, "laggard": 0.35}
LATE = {"normal": 0.09, "laggard": 0.35}

# Rectification behaviour.
LATE_RECTIFICATION = 0.12
REJECTED_ONCE = 0.05
STUCK_RECENT = 0.06  # never rectified, reported within the last 90 days
STUCK_OLD = 0.008
IMMEDIATE_SHARE = {Severity.MINOR: 0.45, Severity.MAJOR: 0.1, Severity.CRITICAL: 0.0}
VEHICLE_SCHOOL_SHARE = 0.10

# Category first (weights per category, whatever its number of items), then the item.
# Urban schools are larger, village schools smaller, than the kind's range suggests.
SIZE_BY_LOCALITY: dict[str, float] = {Locality.URBAN: 1.3, Locality.TOWN: 1.0, Locality.RURAL: 0.6}
# 汛期 (flood season) checks go to rural and township schools first (rivers, ponds).
FLOOD_SEASON_WEIGHT: dict[str, float] = {Locality.RURAL: 3.0, Locality.TOWN: 2.0}

CATEGORY_WEIGHTS: dict[str, float] = {
    "fire": 24,
    "buildings": 17,
    "food_health": 14,
    "security": 12,
    "traffic": 6,
    "school_bus": 6,  # only schools with vehicles
    "emergency": 5,
    "activities": 5,
    "drowning": 5,
    "education": 4,
    "responsibility": 4,
    "records": 3,
    "surroundings": 3,
}
SEVERITY_WEIGHT = {Severity.MINOR: 1.2, Severity.MAJOR: 1.0, Severity.CRITICAL: 0.6}
# Items that need money or other authorities: the ones a school may have to defer.
DEFERRABLE = {
    "bld_dangerous",
    "bld_walls",
    "bld_dorm",
    "bld_electric",
    "fire_alarm",
    "fire_materials",
    "food_water",
    "sec_barriers",
    "sec_cctv",
    "sec_alarm",
    "drown_danger_spots",
    "env_hazards",
    "traffic_signs",
}
BOARDING_ONLY = {"bld_dorm", "sec_night_duty"}
BOARDING_KINDS = {
    SchoolKind.JUNIOR,
    SchoolKind.NINE_YEAR,
    SchoolKind.SENIOR,
    SchoolKind.COMPLETE_SECONDARY,
    SchoolKind.VOCATIONAL,
    SchoolKind.SPECIAL,
}

# Enrolment range and pupils per staff member, by kind.
SIZES: dict[str, tuple[int, int, int]] = {
    SchoolKind.KINDERGARTEN: (60, 420, 9),
    SchoolKind.PRIMARY: (150, 2200, 17),
    SchoolKind.TEACHING_POINT: (8, 60, 12),
    SchoolKind.JUNIOR: (300, 1800, 12),
    SchoolKind.NINE_YEAR: (300, 1600, 14),
    SchoolKind.SENIOR: (900, 3600, 12),
    SchoolKind.COMPLETE_SECONDARY: (1000, 3200, 12),
    SchoolKind.VOCATIONAL: (600, 3000, 16),
    SchoolKind.SPECIAL: (40, 160, 4),
}

# What a failed item looks like: description and, where the category's places do
# not fit, the item's own places.
FINDINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "resp_leadership": ("安全工作领导小组成员调整后未及时发文更新，分管领导和安全专干职责不清", ()),
    "resp_letters": ("新入职教职工和插班生家长的安全责任书未补签，签订台账不全", ()),
    "resp_post_duties": ("部分岗位安全职责未公示，“一岗双责”未写入班主任和门卫岗位职责", ()),
    "resp_rules": ("危化品、校车等专项安全管理制度未按新规修订，重点制度未上墙", ()),
    "resp_meetings": ("本月未召开安全工作专题会议，无会议记录", ()),
    "resp_duty": ("节假日值班表未按时报备，值班记录有缺页", ()),
    "resp_bullying": ("未建立学生欺凌调查处置流程，举报电话未公布", ()),
    "edu_first_lesson": ("“安全第一课”未按计划开展，缺少教案和影像资料", ()),
    "edu_daily_reminder": ("部分班级未落实放学前“五分钟安全提醒”", ()),
    "edu_parent_letter": ("节假日《致家长的一封信》回执回收不全", ()),
    "edu_theme_days": ("安全教育日主题活动开展不到位，无活动记录", ()),
    "edu_bullying": ("防欺凌专题教育未覆盖全部年级", ()),
    "edu_mental_health": ("心理辅导室未正常开放，重点学生心理档案未及时更新", ("心理辅导室",)),
    "edu_staff_training": ("本学期教职工急救技能培训未开展", ()),
    "em_plans": ("专项应急预案不全，缺少防汛和食物中毒应急预案", ()),
    "em_drills": ("本月未开展应急疏散演练", ()),
    "em_evacuation_map": ("部分楼层疏散路线图缺失或与实际不符", ("教学楼三楼", "学生宿舍楼")),
    "em_supplies": ("应急物资储备不足，应急照明灯、急救箱未定期检查", ("应急物资储备室",)),
    "em_reporting": ("安全事故信息报告流程不清，报告责任人不明确", ()),
    "em_first_aid": ("卫生室部分急救药品过期，急救器材配备不全", ("卫生室",)),
    "bld_dangerous": ("附属用房墙体贯穿裂缝，疑似危房未经鉴定仍在使用", ("附属用房", "旧教学楼")),
    "bld_walls": ("围墙局部倾斜开裂，存在垮塌风险", ("围墙西侧", "后山挡土墙")),
    "bld_railings": ("走廊栏杆松动，部分栏杆高度不足1.10米", ("教学楼三楼走廊", "综合楼阳台")),
    "bld_stairs": ("楼梯踏步防滑条脱落，楼梯间照明灯损坏", ("教学楼东楼梯", "学生宿舍楼楼梯")),
    "bld_electric": ("电线私拉乱接，配电箱未上锁、无警示标识", ("配电房", "教学楼一楼", "食堂")),
    "bld_fixtures": ("教室吊扇固定螺栓松动，部分窗户合页锈蚀", ("教学楼二楼教室", "综合楼")),
    "bld_sports": ("篮球架底座固定不牢，单杠立柱锈蚀", ("操场",)),
    "bld_dorm": ("学生宿舍窗户安装固定式防盗网，影响逃生", ("学生宿舍楼",)),
    "bld_kg_playground": ("户外大型玩具滑梯连接处松动，地面缓冲垫破损", ("户外活动场地",)),
    "fire_extinguishers": ("灭火器压力不足或已过有效期，未及时更换", ()),
    "fire_exits": ("疏散通道堆放杂物，应急照明灯和疏散指示标志损坏", ()),
    "fire_hydrants": ("室内消火栓水带缺失，消火栓箱被遮挡", ()),
    "fire_alarm": ("火灾自动报警系统故障未修复，年度检测维保报告缺失", ("消防控制室",)),
    "fire_patrol": ("每日防火巡查记录不全", ("安全办公室",)),
    "fire_flammables": ("违规存放易燃物品，办公室使用大功率电器", ("杂物间", "行政楼办公室")),
    "fire_ebike": ("电动自行车在楼道内停放充电", ("教职工宿舍楼道", "教学楼一楼楼道")),
    "fire_gas": ("燃气泄漏报警装置失灵，油烟管道未定期清洗", ("食堂后厨",)),
    "fire_materials": ("礼堂违规使用易燃装修材料，存在彩钢板违章搭建", ("礼堂", "多功能厅")),
    "act_outings": ("组织研学活动未制定安全预案，未报教育局备案", ()),
    "act_pe": ("体育课前未检查场地器材，特异体质学生未登记", ("操场", "体育器材室")),
    "act_supervision": ("课间和午休时段重点部位无教师值守", ("教学楼楼梯口", "操场")),
    "act_lab_chemicals": ("危险化学品未落实“五双”管理，领用登记不全", ("化学药品室",)),
    "act_lab_storage": ("危险化学品未分类存放，实验废液未按规定处置", ("化学药品室", "化学实验室")),
    "act_lab_protection": ("实验室洗眼器无法正常使用，缺少灭火毯", ("化学实验室",)),
    "act_training_workshops": ("实训设备防护罩缺失，操作规程未上墙", ("实训车间",)),
    "act_kg_handover": ("离园交接登记不规范，非监护人接送未核实", ("幼儿园大门",)),
    "food_licence": ("食品经营许可证即将到期未办理延续，1名从业人员健康证过期", ()),
    "food_leaders_meal": ("负责人陪餐记录不全", ("食堂",)),
    "food_purchase": ("食材进货台账不完整，部分食材索证索票缺失", ("食堂库房",)),
    "food_samples": ("食品留样量不足125克，留样记录不全", ("留样间",)),
    "food_storage": ("库房食品未离墙离地存放，生熟未分开，防鼠设施缺失", ("食堂库房",)),
    "food_disinfection": ("餐具消毒柜故障，消毒记录缺失", ("洗消间",)),
    "food_water": ("二次供水水箱未定期清洗消毒，无水质检测报告", ("楼顶水箱", "饮水机房")),
    "health_morning_check": ("晨午检记录不全，因病缺勤未追踪登记", ("卫生室",)),
    "health_vaccination": ("新生预防接种证查验登记不全", ("卫生室",)),
    "health_outbreak": ("传染病疫情报告人未明确，复课证明查验不到位", ("卫生室",)),
    "traffic_signs": ("校门口路段减速带损坏，“注意儿童”警示标志缺失", ()),
    "traffic_gate_order": ("放学时段校门口“护学岗”未落实，接送车辆乱停放", ()),
    "traffic_education": ("学生乘坐无牌无证三轮车上下学，交通安全教育不到位", ()),
    "traffic_cycling_age": ("发现未满12周岁学生骑自行车上学", ()),
    "bus_licence": ("校车使用许可即将到期，校车标志灯损坏", ()),
    "bus_driver": ("校车驾驶人驾驶证审验即将到期", ()),
    "bus_inspection": ("校车安全技术检验逾期未检", ()),
    "bus_gps": ("校车卫星定位装置信号异常", ()),
    "bus_attendant": ("随车照管人员未清点人数，无签字记录", ()),
    "bus_no_overload": ("校车存在超员运行情况", ()),
    "bus_no_illegal": ("发现家长租用无资质车辆接送学生", ("校门口",)),
    "drown_education": ("防溺水“六不”教育开展不够经常", ("各班级",)),
    "drown_parents": ("防溺水安全告知书回收不全", ("各班级",)),
    "drown_danger_spots": ("学校周边河塘警示标志缺失，护栏损坏", ()),
    "drown_holidays": ("周末和节假日家校联防提醒不到位", ("各班级",)),
    "drown_campus_water": ("校内水池防护栏高度不足，警示标识缺失", ("校内景观水池",)),
    "sec_guards": ("专职保安员配备不足，1名保安员未持证上岗", ("门卫室",)),
    "sec_gate": ("外来人员进校登记不全，上下学时段校门口无人值守", ("校门口",)),
    "sec_equipment": ("门卫室防暴钢叉、防刺服配备不齐", ("门卫室",)),
    "sec_barriers": ("校门口未设置防冲撞设施", ("校门口",)),
    "sec_perimeter": ("围墙有缺口，存在攀爬隐患", ("围墙东侧", "围墙北侧")),
    "sec_cctv": ("部分监控摄像头损坏，食堂和宿舍周界存在监控盲区", ("监控室",)),
    "sec_alarm": ("一键式紧急报警装置未与公安机关联网", ("门卫室",)),
    "sec_night_duty": ("宿舍夜间值班巡查记录不全", ("学生宿舍楼",)),
    "rec_hazard_ledger": ("隐患排查整改台账记录不全，整改时限和销号情况未登记", ()),
    "rec_drills": ("应急演练资料未归档，缺少演练总结", ()),
    "rec_education": ("安全教育活动记录不全", ()),
    "rec_special_students": ("留守儿童和特异体质学生档案未动态更新", ()),
    "rec_accidents": ("校方责任险投保资料未归档", ()),
    "env_venues": ("校园周边200米内新开设网吧", ()),
    "env_vendors": ("校门口有流动摊贩销售“三无”食品", ()),
    "env_police": ("上下学高峰时段公安“护学岗”未到岗", ()),
    "env_hazards": ("学校周边施工工地未设置围挡，影响学生通行安全", ()),
    "env_reporting": ("周边环境问题未及时报告属地政府", ()),
}  # fmt: skip
PLACES: dict[str, tuple[str, ...]] = {
    "responsibility": ("安全办公室", "行政办公室"),
    "education": ("德育处", "各班级"),
    "emergency": ("安全办公室", "教学楼各楼层"),
    "buildings": ("教学楼", "综合楼", "附属用房"),
    "fire": ("教学楼二楼走廊", "实验楼一楼", "学生宿舍楼", "食堂后厨", "图书室", "配电房"),
    "activities": ("操场", "实验室"),
    "food_health": ("食堂", "食堂后厨"),
    "traffic": ("校门口路段", "校门口"),
    "school_bus": ("校车停车场", "校车"),
    "drowning": ("学校周边河段", "学校后侧山塘"),
    "security": ("校门口", "门卫室"),
    "records": ("安全办公室", "档案室"),
    "surroundings": ("校门口周边", "学校周边200米内"),
}
PLAN_TEXTS: dict[str, str] = {
    "responsibility": "由分管安全副校长牵头，完善相关制度和台账，安全专干跟踪落实。",
    "education": "制定补课计划，按班级落实专题教育并留存资料。",
    "emergency": "修订完善应急预案，补充应急物资，组织一次全员疏散演练。",
    "buildings": "联系专业施工单位维修加固，整改期间设置警示标志和隔离带。",
    "fire": "联系消防维保单位检修更换，清理通道杂物，加强每日防火巡查。",
    "activities": "完善活动安全预案和管理制度，落实专人管理。",
    "food_health": "停用不合格设施，整改后由食品安全管理员复核并完善台账。",
    "traffic": "协调交警部门修复设施，落实上下学时段护学岗。",
    "school_bus": "督促运营单位限期办理，整改完成前暂停该车辆运营。",
    "drowning": "联系属地村（社区）增设警示标志和防护栏，开展专题教育。",
    "security": "申请经费补充配备，整改期间增加人防巡查频次。",
    "records": "安排专人补齐资料并规范归档。",
    "surroundings": "报告属地政府和相关部门联合整治，学校加强上下学时段巡查。",
}
EVIDENCE_TEXTS: dict[str, str] = {
    "responsibility": "已完善制度并发文，台账补齐，附文件扫描件。",
    "education": "已补开专题教育，覆盖全部班级，附活动照片和记录。",
    "emergency": "预案已修订印发，应急物资已补充，已组织全员疏散演练。",
    "buildings": "已完成维修加固，经现场检查安全可用，附整改前后照片。",
    "fire": "已更换、检修到位，通道已清理，附整改前后照片。",
    "activities": "已完善预案和制度，落实专人管理，附相关记录。",
    "food_health": "已整改到位，台账记录完整，附整改照片。",
    "traffic": "交警部门已修复设施，护学岗已落实，附现场照片。",
    "school_bus": "相关手续已办结，车辆已恢复运营，附证件复印件。",
    "drowning": "已增设警示标志和防护栏，专题教育已开展，附照片。",
    "security": "已补充配备到位，附采购凭证和现场照片。",
    "records": "资料已补齐并归档。",
    "surroundings": "属地政府已组织整治，附整治前后照片。",
}
IMMEDIATE_TEXT = "当场整改，安全专干现场督促落实。"
DEFERRAL_REASONS = (
    "需专项资金维修改造，已申报纳入下一年度校舍维修改造计划",
    "涉及校外产权单位，需属地政府协调解决",
    "需专业机构鉴定后确定整改方案，鉴定已委托",
)
INTERIM_MEASURES = (
    "设置警示标志和隔离围挡，暂停使用相关区域，安排专人每日巡查",
    "落实人防措施，上下学时段安排教师值守，每周报告管控情况",
)
REJECT_REASONS = (
    "整改照片未反映整改后全貌，请补充",
    "仅完成部分整改，其余问题仍未整改到位",
    "整改说明与现场情况不符，请重新整改",
)
RETURN_REASONS = (
    "部分事项检查结果与上月整改情况不符，请核实后重新提交",
    "发现隐患的事项未填写隐患部位，请补充后重新提交",
)

# The bureau's yearly calendar of campaigns: (kind, theme, name with ``{year}``,
# (month, first day), (month, last day), share of schools, category multipliers).
# The demo runs each year's campaigns that fall in its window (campaigns_between).
CAMPAIGN_CALENDAR: tuple[
    tuple[str, str, str, tuple[int, int], tuple[int, int], float, dict[str, float]], ...
] = (
    ("spot", "节前", "{year}年寒假及春节前校园安全抽查", (1, 13), (1, 24), 0.12,
     {"fire": 2, "food_health": 1.5, "security": 1.5, "school_bus": 2}),
    ("special", "汛期", "{year}年汛期校园安全专项检查", (5, 18), (6, 12), 0.30,
     {"buildings": 2.5, "drowning": 4, "surroundings": 2}),
    ("special", "开学前", "{year}年秋季开学前校园安全专项检查", (8, 17), (9, 4), 0.40,
     {"fire": 1.5, "food_health": 2, "security": 1.5, "buildings": 1.5}),
    ("spot", "节前", "{year}年中秋国庆节前校园安全抽查", (9, 15), (9, 25), 0.12,
     {"fire": 2, "food_health": 1.5, "security": 1.5, "school_bus": 2}),
    ("supervisory", "督导", "{year}年秋季责任督学安全专项督导", (10, 12), (10, 30), 0.0,
     {"responsibility": 2, "records": 2, "education": 1.5}),
)  # fmt: skip


@dataclass(frozen=True)
class CampaignPlan:
    """One campaign of one year of :data:`CAMPAIGN_CALENDAR`."""

    kind: str
    theme: str
    name: str
    starts_on: date
    ends_on: date
    share: float  # of the schools (the supervisory one: the inspector's schools)
    weights: dict[str, float]


def campaigns_between(first: date, today: date) -> list[CampaignPlan]:
    """The calendar's campaigns that started on or after ``first`` and ended before
    ``today`` (the demo's window and reference date), oldest first."""
    plans = [
        CampaignPlan(
            kind=kind,
            theme=theme,
            name=name.format(year=year),
            starts_on=date(year, *starts),
            ends_on=date(year, *ends),
            share=share,
            weights=weights,
        )
        for year in range(first.year, today.year + 1)
        for kind, theme, name, starts, ends, share, weights in CAMPAIGN_CALENDAR
    ]
    return [p for p in plans if first <= p.starts_on and p.ends_on < today]


GOOD_PRACTICE = {
    "节前": "多数学校节前安全教育和值班安排落实到位，食堂和消防设施管理规范。",
    "汛期": "多数学校建立了防汛值班和危险水域巡查制度，防溺水教育覆盖全体学生。",
    "开学前": "多数学校开学前完成校舍、消防、食堂全面排查，隐患整改台账规范。",
    "督导": "责任督学逐校督导，学校安全管理制度和台账总体健全。",
}

# (kind, title, (month, first day), (month, last day), share of schools)
ACTIVITIES: tuple[tuple[str, str, tuple[int, int], tuple[int, int], float], ...] = (
    ("安全第一课", "春季开学安全第一课", (2, 24), (3, 6), 0.9),
    ("主题教育日", "全国中小学生安全教育日主题教育", (3, 23), (3, 31), 0.85),
    ("主题教育日", "全民国家安全教育日主题活动", (4, 13), (4, 17), 0.6),
    ("主题教育日", "防灾减灾日主题教育", (5, 8), (5, 14), 0.75),
    ("防溺水专题教育", "珍爱生命 预防溺水专题教育", (5, 15), (6, 30), 0.9),
    ("食品安全宣传", "食品安全宣传周主题活动", (6, 10), (6, 20), 0.4),
    ("假期安全教育", "暑假安全教育暨致家长的一封信", (7, 1), (7, 10), 0.85),
    ("安全第一课", "秋季开学安全第一课", (9, 1), (9, 10), 0.9),
    ("主题班会", "防欺凌主题班会", (10, 9), (10, 30), 0.6),
    ("消防宣传", "“119”消防宣传月主题教育", (11, 2), (11, 13), 0.7),
    ("交通安全教育", "全国交通安全日主题教育", (12, 1), (12, 4), 0.6),
    ("假期安全教育", "寒假安全教育暨致家长的一封信", (1, 12), (1, 20), 0.85),
)
PLATE_LETTERS = "ABCDEFHJKLMQRSTUVWXYZ"
