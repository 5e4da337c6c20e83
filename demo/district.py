"""The demo district: Dalian's Xigang district (大连市西岗区) as the campaign article describes it.

`demo_district_build` plans the whole district in memory, then writes only what is missing, found
by unit name, username and credit code (these keys are the same for every seed), so a second run
creates nothing. Every random choice comes from `random.Random` seeded per stage with the `seed`,
so names, pairings and visits are the same on every run; only the dates move with today (the
campaign started five months ago, visits run up to today). The appeals the cadres raised are in
demo.appeals, the policy catalogue with its deliveries in demo.policies.
"""

from __future__ import annotations

import calendar
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from simple_history.utils import bulk_create_with_history

from enterprises.industries import SECTIONS
from enterprises.models import Enterprise, EnterpriseStatus, Ownership
from enterprises.validators import make_credit_code
from liaison.models import Assignment, Cadre, Category, Rank, Role, Unit, UnitKind, User, Visit, VisitMethod
from liaison.selectors import today as local_today

DEFAULT_SEED = 2024
DEFAULT_PASSWORD = "demo12345"
DIVISION_CODE = "210203"  # 大连市西岗区

PAIRED = 424  # the article: 424 cadres paired one-to-one with above-scale enterprises
DISTRICT_LEADERS = 23
DIVISION_LEADERS = 148
UNPAIRED_CADRES = 6
UNPAIRED_ABOVE_SCALE = 3  # newly above-scale, waiting for a cadre
SMALL_ENTERPRISES = 5  # below the above-scale threshold, on the roster but not paired
TRANSFERS = 6  # an earlier cadre left the post; a colleague took over the enterprise
SWAPS = 2  # two cadres exchanged enterprises after re-matching (2 ended pairings each)
LAGGING_LAST_MONTH = 34  # about 8% of the pairings had no visit last month...
LAGGING_LONGER = 13  # ...and about 3% none for two months or more
CAMPAIGN_MONTHS_AGO = 5  # pairings start in this month; visits cover it and every month since
CHUNK = 250  # rows per bulk insert; also the step of the progress counter

TASKFORCE = "区工作专班"
HANDLER_UNIT = "区科技和工业信息化局"

ADM, ECO, IND, SOC = Category.ADMINISTRATION, Category.ECONOMY, Category.INDUSTRY, Category.SOCIAL
CON, COM, LAW, CUL = Category.CONSTRUCTION, Category.COMMERCE, Category.LAW, Category.CULTURE
DIV, SEC, DIS = Rank.DIVISION, Rank.SECTION, Rank.DISTRICT


# --- Reference data --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSpec:
    name: str
    function: str
    categories: tuple[str, ...] = (ADM,)
    size: int = 0  # cadres from this unit; streets share what the departments leave
    head: str = "局长"
    deputy: str = "副局长"
    focus: str = ""  # industry sections the unit's function serves (GB/T 4754 letters)
    positions: tuple[tuple[str, str], ...] = ()  # fixed (title, rank) list, for the task-force units


TASKFORCE_FUNCTION = (
    "在区专项行动领导小组领导下牵头抓总，统筹干部选派和结对动态调整，负责企业诉求交办督办和“周调度、月通报、年考评”。"
)

WORKING_GROUPS = (
    UnitSpec(
        "综合协调组",
        "负责专班日常运转、“三会一跟踪”会议组织和信息汇总，协调各组、各部门和街道形成工作合力。",
        (ADM,),
        positions=(("综合协调组副组长", DIV),),
    ),
    UnitSpec(
        "督查督办组",
        "跟踪督办企业诉求办理进度，对联系服务不到位的选派干部进行点对点督促提醒和约谈。",
        (ADM,),
        positions=(("督查督办组副组长", DIV),),
    ),
    UnitSpec(
        "宣传推进组",
        "负责专项行动宣传报道和典型经验推广，编印《营商服务联络员指导手册》和政策“掌中宝”。",
        (CUL,),
        positions=(("宣传推进组副组长", DIV),),
    ),
)

SERVICE_GROUPS = (
    UnitSpec(
        "金融服务组",
        "对接银行、担保等金融机构，协调解决企业融资需求，推动首贷、续贷和贷款贴息政策落地。",
        (ECO,),
        positions=(("金融服务组联络员", SEC),),
    ),
    UnitSpec("项目建设服务组", "跟踪重点项目审批和建设进度，协调解决用地、规划、施工许可等项目建设难题。", (CON,)),
    UnitSpec("政策落实服务组", "梳理发布惠企政策清单，推动免申即享、直达快享，指导企业申报各类扶持资金。", (ECO,)),
    UnitSpec("法律服务组", "为企业提供法律咨询和合规指导，协调化解合同纠纷、账款拖欠等涉企矛盾。", (LAW,)),
    UnitSpec("人才服务组", "协助企业招才引智和用工对接，落实人才住房、子女入学等服务保障。", (SOC,)),
    UnitSpec(
        "科技创新服务组",
        "指导企业开展高新技术企业认定、研发费用加计扣除和科技成果转化，推动产学研合作。",
        (IND,),
        positions=(("科技创新服务组联络员", SEC),),
    ),
    UnitSpec("市场拓展服务组", "组织产销对接、展会推介和政府采购信息服务，帮助企业开拓国内外市场。", (COM,)),
    UnitSpec("要素保障服务组", "协调水、电、气、暖、通信和停车等生产要素保障，解决企业经营场所配套问题。", (CON,)),
)

TASKFORCE_POSITIONS = (("专班办公室主任", DIV), ("专班办公室副主任", DIV), ("专班联络员", SEC))

DEPARTMENTS = (
    UnitSpec("区委", "全面领导全区经济社会发展，研究部署“领导干部进项目进企业”专项行动等重大事项。", (ADM,), 3, ""),
    UnitSpec("区政府", "统筹全区经济发展、项目建设和公共服务，推动惠企政策落地见效。", (ECO, ADM), 7, ""),
    UnitSpec("区人大常委会", "依法监督优化营商环境和惠企政策的贯彻实施，听取企业和代表意见建议。", (LAW, ADM), 4, ""),
    UnitSpec("区政协", "组织政协委员开展民主监督和协商议政，为民营经济发展和营商环境建设建言献策。", (ECO, ADM), 4, ""),
    UnitSpec(
        "区纪委监委",
        "监督检查专项行动落实情况，依纪依法查处破坏营商环境和损害企业利益的行为。",
        (LAW,),
        5,
        "",
        "区纪委副书记、区监委副主任",
    ),
    UnitSpec(
        "区委办公室",
        "协调区委各部门工作运转，承担专项行动重要文件起草、信息汇总和督促检查。",
        (ADM,),
        5,
        "主任",
        "副主任",
    ),
    UnitSpec(
        "区政府办公室",
        "协助区政府领导处理日常政务，承办12345政务服务便民热线涉企诉求的转办督办。",
        (ADM, ECO),
        6,
        "主任",
        "副主任",
    ),
    UnitSpec(
        "区委组织部",
        "负责选派干部的选拔管理和培训，将专项行动开展情况纳入干部考核，发现培养锻炼干部。",
        (ADM,),
        6,
        "常务副部长",
        "副部长",
    ),
    UnitSpec(
        "区委宣传部",
        "统筹专项行动宣传报道和典型选树，营造亲商重商的舆论氛围。",
        (CUL, ADM),
        5,
        "常务副部长",
        "副部长",
        "R",
    ),
    UnitSpec(
        "区委统战部",
        "联系服务非公有制经济人士，引导民营企业健康发展，指导区工商联工作。",
        (ECO, COM),
        5,
        "常务副部长",
        "副部长",
    ),
    UnitSpec(
        "区委政法委", "统筹政法机关服务保障企业发展，推进涉企矛盾纠纷多元化解。", (LAW,), 4, "常务副书记", "副书记"
    ),
    UnitSpec(
        "区发展和改革局",
        "拟订全区经济社会发展规划，负责重点项目谋划储备、审批核准和推进调度。",
        (ECO, CON),
        14,
        focus="DGKE",
    ),
    UnitSpec(
        HANDLER_UNIT,
        "推动工业和软件信息服务业发展，负责高新技术企业培育、科技成果转化和规上工业企业服务。",
        (IND, ECO),
        18,
        focus="CIM",
    ),
    UnitSpec("区数据局", "统筹数字经济和数字政府建设，推进政务数据共享和企业数字化转型。", (IND,), 8, focus="I"),
    UnitSpec("区财政局", "管理区级财政收支和惠企资金，负责政策资金兑现和政府采购监督管理。", (ECO,), 12, focus="JK"),
    UnitSpec(
        "区商务局",
        "负责商贸流通、外贸外资和电子商务发展，组织企业参加展会和产销对接活动。",
        (COM, ECO),
        16,
        focus="FHG",
    ),
    UnitSpec(
        "区住房和城乡建设局",
        "负责建筑业、房地产市场和建设工程管理，协调项目施工许可和竣工验收。",
        (CON,),
        12,
        focus="EK",
    ),
    UnitSpec(
        "区市场监督管理局",
        "负责经营主体登记、质量安全和知识产权保护，推进审批监管联动和信用监管。",
        (LAW, COM),
        14,
        focus="FHQ",
    ),
    UnitSpec(
        "区人力资源和社会保障局",
        "负责就业创业、人才引进和社会保险，组织企业招聘会和职业技能培训。",
        (SOC,),
        10,
        focus="LO",
    ),
    UnitSpec("区司法局", "推进法治政府建设，组织律师、公证等法律服务进企业，开展涉企法律咨询。", (LAW,), 8, focus="LM"),
    UnitSpec(
        "区文化和旅游局",
        "负责文化旅游产业发展和市场管理，扶持住宿餐饮、文旅企业拓展市场。",
        (CUL, COM),
        10,
        focus="HR",
    ),
    UnitSpec("区卫生健康局", "负责卫生健康事业发展和医疗机构监管，服务保障医疗健康类企业。", (SOC,), 8, focus="Q"),
    UnitSpec("区教育局", "负责全区教育事业发展，落实人才子女入学等服务保障，指导职业技能教育。", (SOC,), 8, focus="P"),
    UnitSpec(
        "区应急管理局",
        "负责安全生产综合监管和应急救援，指导企业落实安全生产主体责任。",
        (CON, IND),
        8,
        focus="CGD",
    ),
    UnitSpec(
        "区税务局",
        "负责税收征管和纳税服务，落实减税降费、出口退税和研发费用加计扣除等政策。",
        (ECO,),
        10,
        focus="FKJ",
    ),
    UnitSpec(
        "区营商环境建设局",
        "负责优化营商环境和政务服务，推进“综合窗口”改革和“高效办成一件事”。",
        (ADM, ECO),
        10,
        focus="L",
    ),
    UnitSpec(
        "区城市管理局",
        "负责市容环境和城市管理综合执法，协调企业周边停车、环境整治等问题。",
        (CON,),
        6,
        focus="EN",
    ),
    UnitSpec("区自然资源分局", "负责国土空间规划、土地供应和不动产登记，办理项目用地规划许可。", (CON,), 5, focus="KE"),
    UnitSpec("区生态环境分局", "负责生态环境监管和建设项目环评审批，指导企业污染防治。", (CON, LAW), 5, focus="CD"),
    UnitSpec("区民政局", "负责社会组织登记、养老服务和社会救助，服务保障养老服务类企业。", (SOC,), 4, focus="OQ"),
    UnitSpec("区统计局", "负责经济统计调查和规上企业入库纳统，指导企业规范报送统计数据。", (ECO,), 5, focus="FL"),
    UnitSpec(
        "区金融发展服务中心",
        "推进“金融服务专区”和区级首贷服务中心建设，组织银企对接，落实贷款贴息政策。",
        (ECO,),
        6,
        "主任",
        "副主任",
        "J",
    ),
    UnitSpec("区投资促进局", "负责招商引资和项目落地服务，跟踪推进签约项目开工建设。", (COM, ECO), 6, focus="LKF"),
    UnitSpec(
        "区工商业联合会",
        "联系服务民营企业和商会组织，反映企业诉求，维护民营企业合法权益。",
        (COM, ECO),
        5,
        "主席",
        "副主席",
        "F",
    ),
    UnitSpec("区总工会", "维护职工合法权益，推进企业和谐劳动关系建设和职工技能提升。", (SOC,), 4, "主席", "副主席"),
    UnitSpec(
        "区人民法院",
        "依法审理涉企案件，开展破产审判和执行工作，为企业发展提供司法保障。",
        (LAW,),
        4,
        "院长",
        "副院长",
        "L",
    ),
    UnitSpec(
        "区人民检察院",
        "依法办理涉企案件，开展涉案企业合规改革，保护企业合法权益。",
        (LAW,),
        4,
        "检察长",
        "副检察长",
        "L",
    ),
)

# The 23 district-level leaders (区级领导) and the unit each is counted in.
DISTRICT_SEATS: dict[str, tuple[tuple[str, str], ...]] = {
    "区委": (("区委书记", ADM), ("区委副书记", ADM), ("区委常委、区委秘书长", ADM)),
    "区政府": (
        ("区委副书记、区长", ECO),
        ("区委常委、常务副区长", ECO),
        ("副区长", IND),
        ("副区长", CON),
        ("副区长", COM),
        ("副区长", SOC),
        ("副区长", CUL),
    ),
    "区人大常委会": (
        ("区人大常委会主任", LAW),
        ("区人大常委会副主任", ECO),
        ("区人大常委会副主任", CON),
        ("区人大常委会副主任", SOC),
    ),
    "区政协": (("区政协主席", ADM), ("区政协副主席", ECO), ("区政协副主席", COM), ("区政协副主席", CUL)),
    "区纪委监委": (("区委常委、区纪委书记、区监委主任", LAW),),
    "区委组织部": (("区委常委、组织部部长", ADM),),
    "区委宣传部": (("区委常委、宣传部部长", CUL),),
    "区委统战部": (("区委常委、统战部部长", ECO),),
    "区委政法委": (("区委常委、政法委书记", LAW),),
}

DEPARTMENT_SECTION_TITLES = (
    "办公室主任",
    "科长",
    "科长",
    "副科长",
    "一级主任科员",
    "科长",
    "二级主任科员",
    "三级主任科员",
)
STREET_SECTION_TITLES = (
    "党政办公室主任",
    "经济发展办公室主任",
    "营商服务中心主任",
    "城市管理办公室主任",
    "平安建设办公室主任",
    "社区建设办公室主任",
    "一级主任科员",
    "二级主任科员",
    "三级主任科员",
    "四级主任科员",
)
STREET_DIVISION_TITLES = ("党工委书记", "主任", "党工委副书记", "人大工委主任", "副主任", "副主任")


@dataclass(frozen=True)
class StreetSpec:
    name: str
    function: str
    roads: tuple[str, ...]
    weight: int  # share of the district's enterprises


STREETS = (
    StreetSpec(
        "人民广场街道",
        "辖区为全区行政和商务中心，负责辖区楼宇经济和商贸服务企业的属地服务。",
        ("中山路", "长春路", "五五路", "人民广场", "高尔基路", "明泽街"),
        18,
    ),
    StreetSpec(
        "北京街道",
        "辖区商贸和金融企业集中，负责辖区经营主体培育和企业属地服务。",
        ("北京街", "长江路", "大同街", "新开路", "黄河路"),
        16,
    ),
    StreetSpec(
        "八一路街道",
        "辖区商业街区和老街区较多，负责东关街等特色街区招商和企业属地服务。",
        ("八一路", "五四路", "胜利路", "东关街", "新开路"),
        14,
    ),
    StreetSpec(
        "香炉礁街道",
        "辖区临近港区，物流仓储和商贸企业较多，负责企业属地服务和要素保障协调。",
        ("东北路", "西北路", "香周路", "香工街", "长江路"),
        15,
    ),
    StreetSpec(
        "日新街道",
        "辖区以商住和服务业为主，负责辖区企业属地服务和营商环境问题排查。",
        ("日新街", "黄河路", "沈阳路", "民运街"),
        12,
    ),
    StreetSpec(
        "站北街道",
        "辖区靠近大连站北侧，交通物流和批发零售企业集中，负责企业属地服务。",
        ("长江路", "东北路", "站北街", "沈阳路"),
        13,
    ),
    StreetSpec(
        "白云街道",
        "辖区山海资源丰富，住宿餐饮和文旅企业较多，负责企业属地服务和项目推进。",
        ("白云街", "山屏街", "新开路", "滨海西路", "中山路"),
        10,
    ),
)
STREET_CATEGORIES = ((ADM, 40), (ECO, 25), (COM, 20), (CON, 10), (SOC, 5))

SURNAMES = (
    ("王", 90),
    ("李", 80),
    ("张", 80),
    ("刘", 75),
    ("于", 45),
    ("孙", 45),
    ("赵", 40),
    ("杨", 35),
    ("陈", 35),
    ("姜", 30),
    ("高", 28),
    ("徐", 28),
    ("宋", 26),
    ("周", 25),
    ("曲", 22),
    ("马", 22),
    ("吴", 20),
    ("郭", 20),
    ("韩", 20),
    ("林", 18),
    ("董", 18),
    ("丛", 12),
    ("隋", 12),
    ("邹", 12),
    ("毕", 10),
    ("初", 10),
    ("衣", 8),
    ("吕", 12),
    ("崔", 14),
    ("谷", 8),
    ("盛", 8),
    ("田", 12),
    ("朱", 14),
    ("胡", 12),
    ("郑", 12),
    ("贾", 10),
    ("冯", 10),
    ("曹", 10),
    ("袁", 8),
    ("白", 10),
    ("唐", 8),
    ("邓", 6),
    ("许", 10),
    ("苏", 8),
    ("程", 8),
    ("梁", 8),
    ("谢", 8),
    ("罗", 6),
    ("潘", 6),
    ("丁", 8),
    ("魏", 8),
    ("薛", 6),
    ("范", 6),
    ("石", 8),
    ("姚", 6),
    ("尹", 6),
)
GIVEN_FIRST = "建志国海晓春玉丽明永文立德红金秀宏学俊振长凤桂淑雪佳思雨子欣宇浩天嘉梦新亚艳瑞云树成庆凯泽博世"
GIVEN_SECOND = "华军强平东波伟峰林英明杰涛鹏辉飞敏静丽娟霞萍芳燕红梅琳颖婷雪宁楠超刚勇斌磊鑫宇阳亮旭然晨琪妍洁"
GIVEN_SINGLE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁帆静敏丽娟芳燕艳红霞颖丹萍蕾爽"

MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "158",
    "159",
    "166",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
)

BRAND_CHARS = (
    "华信海港星远恒泰瑞通达宏汇鑫盛博创凯德隆安鸿丰源正天宇嘉辰启新中金"
    "东方明航润富永久昌兴晟弘联诚捷锦荣耀祥和顺亿合邦渤滨澜舟港湾融晨光"
)

# division, weight, words that name the trade; weights give an urban service district's mix
INDUSTRY_MIX: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    (
        "51",
        16,
        ("贸易", "商贸", "国际贸易", "进出口", "物资", "医药", "石化贸易", "钢材贸易", "水产贸易", "供应链管理"),
    ),
    ("52", 8, ("商业", "百货", "超市", "医药连锁", "汽车销售服务", "珠宝", "电子商务")),
    ("65", 8, ("软件", "信息技术", "网络科技", "数据科技", "智能科技", "数字科技")),
    ("64", 2, ("互联网科技", "网络信息")),
    ("63", 1, ("通信技术服务",)),
    ("72", 10, ("企业管理", "商务咨询", "人力资源服务", "会展服务", "广告传媒", "国际经济技术合作", "投资管理")),
    ("71", 2, ("设备租赁", "租赁")),
    ("74", 5, ("工程设计", "检测技术", "工程咨询", "建筑设计研究院", "测绘技术")),
    ("73", 2, ("生物技术", "新材料技术")),
    ("75", 1, ("科技服务", "技术转移服务")),
    ("34", 1.5, ("机械", "通用机械")),
    ("35", 1.2, ("专用设备", "海洋装备")),
    ("38", 1, ("电气", "电器")),
    ("39", 1.3, ("电子", "光电科技")),
    ("40", 0.8, ("仪器仪表", "精密仪器")),
    ("27", 0.7, ("制药", "药业")),
    ("14", 0.6, ("食品",)),
    ("13", 0.5, ("水产品", "海洋食品")),
    ("33", 0.4, ("金属制品",)),
    ("70", 8, ("房地产开发", "置业", "物业管理", "地产")),
    ("58", 4, ("国际物流", "船务代理", "国际货运代理", "物流")),
    ("54", 1.2, ("运输", "汽车运输")),
    ("55", 1.2, ("海运", "航运")),
    ("59", 1.2, ("仓储", "冷链物流")),
    ("61", 2.5, ("酒店", "宾馆", "大酒店")),
    ("62", 2.5, ("餐饮管理", "餐饮", "海鲜酒楼")),
    ("47", 1.5, ("建设工程", "建筑工程")),
    ("48", 1, ("市政工程", "路桥工程")),
    ("49", 1, ("安装工程", "机电安装")),
    ("50", 1.5, ("装饰工程", "建筑装饰")),
    ("66", 1.5, ("融资租赁", "小额贷款")),
    ("68", 1, ("保险代理", "保险经纪")),
    ("86", 0.7, ("文化传媒",)),
    ("88", 1.3, ("文化艺术", "影视文化")),
    ("84", 2, ("医院", "口腔医院", "门诊部")),
    ("80", 1, ("家政服务", "洗涤服务")),
    ("83", 1, ("职业培训学校", "教育科技")),
    ("44", 0.5, ("热电", "供热")),
    ("45", 0.5, ("燃气",)),
)
SECTION_OF = {
    "51": "F",
    "52": "F",
    "63": "I",
    "64": "I",
    "65": "I",
    "71": "L",
    "72": "L",
    "73": "M",
    "74": "M",
    "75": "M",
    "70": "K",
    "54": "G",
    "55": "G",
    "58": "G",
    "59": "G",
    "61": "H",
    "62": "H",
    "47": "E",
    "48": "E",
    "49": "E",
    "50": "E",
    "66": "J",
    "68": "J",
    "86": "R",
    "88": "R",
    "84": "Q",
    "80": "O",
    "83": "P",
    "44": "D",
    "45": "D",
}  # the manufacturing divisions (13-40) are all section C

# Above-scale thresholds (annual revenue, 10k yuan) in the national statistical standard, roughly.
REVENUE_THRESHOLD = {
    "C": 2000,
    "D": 2000,
    "E": 2000,
    "G": 2000,
    "I": 2000,
    "N": 2000,
    "J": 2000,
    "H": 200,
    "L": 1000,
    "M": 1000,
    "P": 1000,
    "K": 500,
    "O": 500,
    "Q": 500,
    "R": 500,
}
# revenue per employee (10k yuan), to size the workforce
REVENUE_PER_EMPLOYEE = {
    "C": 80,
    "D": 150,
    "E": 60,
    "F": 300,
    "G": 100,
    "H": 20,
    "I": 45,
    "J": 150,
    "K": 200,
    "L": 60,
    "M": 45,
    "O": 20,
    "P": 20,
    "Q": 25,
    "R": 40,
}
OWNERSHIP_MIX = (
    (Ownership.PRIVATE, 66),
    (Ownership.STATE, 8),
    (Ownership.FOREIGN, 8),
    (Ownership.HMT, 4),
    (Ownership.COLLECTIVE, 2),
    (Ownership.OTHER, 2),
    (Ownership.JOINT_STOCK, 10),
)
HIGH_TECH_CHANCE = {"I": 0.5, "M": 0.5, "C": 0.4}

# How well a cadre's professional category suits an industry section.
AFFINITY: dict[str, dict[str, int]] = {
    IND: {"C": 3, "I": 3, "M": 2, "D": 2},
    ECO: {"J": 3, "K": 2, "F": 1, "L": 1, "G": 1, "C": 1, "D": 1},
    CON: {"E": 3, "K": 3, "D": 1, "N": 1, "C": 1},
    COM: {"F": 3, "H": 2, "G": 2, "L": 1},
    LAW: {"L": 2, "F": 1, "M": 1, "Q": 1, "H": 1},
    CUL: {"R": 3, "H": 3, "P": 1},
    SOC: {"Q": 3, "P": 3, "O": 3, "L": 1},
    ADM: {},
}

TRANSFER_REASONS = ("干部岗位调整", "干部岗位调整", "干部交流任职", "干部退休", "干部岗位调整", "干部交流任职")
SWAP_END_REASON = "结合企业行业特点重新精准匹配"

PEOPLE_TITLES = (
    "董事长",
    "总经理",
    "总经理",
    "副总经理",
    "财务总监",
    "办公室主任",
    "人力资源部经理",
    "生产部经理",
    "技术总监",
    "行政经理",
    "法定代表人",
)
BARE_TITLES = ("财务总监", "办公室主任", "财务负责人", "综合部负责人")

ACTIVITY_BY_SECTION = {
    "C": ("查看生产车间和生产线运行情况", "了解企业订单和产能利用情况", "了解企业技术改造项目进展"),
    "F": ("了解企业销售和库存情况", "了解企业进出口业务开展情况", "了解企业线上线下销售渠道拓展情况"),
    "I": ("了解企业研发项目进展和产品推广情况", "了解企业数字化转型业务开展情况", "了解企业研发团队建设情况"),
    "L": ("了解企业业务拓展和客户结构情况", "了解企业服务外包业务开展情况"),
    "M": ("了解企业科研项目进展和成果转化情况", "了解企业检测设计业务承接情况"),
    "K": ("了解项目建设进度和销售回款情况", "了解在建项目施工进度和交付计划"),
    "G": ("了解企业物流业务量和航线运营情况", "了解企业货运代理业务和车队运营情况"),
    "H": ("了解企业客房入住率和旅游旺季经营情况", "了解企业餐饮经营和食品安全管理情况"),
    "E": ("了解企业在建工程进度和工程款结算情况", "了解企业资质升级和项目承揽情况"),
    "J": ("了解企业业务规模和风险防控情况",),
}
DEFAULT_ACTIVITIES = ("了解企业生产经营情况", "了解企业经营情况和发展规划")

OPENINGS = {
    VisitMethod.ON_SITE: ("深入企业实地走访", "到企业走访座谈", "到企业现场办公"),
    VisitMethod.PHONE: ("电话联系企业负责人", "电话回访企业"),
    VisitMethod.VIDEO: ("通过视频连线与企业负责人沟通",),
    VisitMethod.MEETING: ("邀请企业负责人参加区级领导干部主持召开的征求意见会", "组织企业参加“政企直通车”活动"),
    VisitMethod.OTHER: ("通过微信工作群与企业对接",),
}
METHOD_WEIGHTS = (
    (VisitMethod.ON_SITE, 64),
    (VisitMethod.PHONE, 16),
    (VisitMethod.VIDEO, 5),
    (VisitMethod.MEETING, 12),
    (VisitMethod.OTHER, 3),
)
CALM_OUTCOMES = (
    "企业生产经营总体平稳。",
    "宣讲惠企政策，发放《营商服务联络员指导手册》和政策“掌中宝”二维码。",
    "企业暂无新增诉求。",
    "对前期反映问题进行回访，企业对办理结果表示满意。",
    "企业营业收入同比增长{p}%，发展态势良好。",
    "帮助企业梳理可享受的免申即享、直达快享政策。",
)

# label, text, sections it suits ("" = any)
ISSUES = (
    ("融资需求", "企业计划扩大经营规模，存在约{n}万元流动资金缺口，希望协调对接银行办理首贷或续贷。", ""),
    ("用地审批", "新建项目用地规划许可办理进度较慢，希望协调加快审批。", "CEKM"),
    ("招工难", "一线技术工人和熟练工招聘困难，缺口约{m}人，希望协助对接招聘会。", "CGHF"),
    ("政策咨询", "咨询高新技术企业认定、研发费用加计扣除等政策的申报条件。", "CIM"),
    ("政策咨询", "咨询《西岗区惠企强企政策免申即享、直达快享政策清单》中适用本企业的政策。", ""),
    ("水电气保障", "经营用电负荷增加，申请电力增容，希望协调供电部门尽快办理。", "CDHI"),
    ("水电气保障", "冬季供暖和燃气供应保障问题，希望提前协调。", "HKQP"),
    ("人才引进", "引进的高层次人才有住房和子女入学需求，咨询人才公寓申请条件。", "IMC"),
    ("市场拓展", "希望参加政府组织的展会和产销对接活动，拓展国内外市场。", "FCI"),
    ("停车难", "企业周边停车位紧张，员工和客户停车困难，希望协调解决。", "HFLQR"),
    ("账款拖欠", "部分项目款项未能及时结算，影响企业资金周转。", "EIM"),
    ("证照办理", "办理经营许可证变更手续，咨询“综合窗口”办理流程。", "FHQGO"),
    ("消防验收", "经营场所装修改造后需办理消防验收，咨询办理流程和时限。", "HFLR"),
    ("出口退税", "出口退税办理周期较长，希望加快办理进度。", "FC"),
    ("知识产权", "申请发明专利和商标注册，希望获得知识产权服务指导。", "ICM"),
    ("房租减免", "咨询国有房屋租金减免政策的适用条件。", "FHOR"),
    ("物流通行", "港区集疏运道路拥堵，货车通行时间受限，希望协调优化。", "G"),
    ("预售资金监管", "咨询商品房预售资金监管额度拨付流程。", "K"),
)


# --- The plan ----------------------------------------------------------------------------------


@dataclass
class UnitPlan:
    name: str
    kind: str
    function: str
    parent: str | None = None


@dataclass
class CadrePlan:
    key: int
    name: str
    unit: str
    rank: str
    category: str
    position: str
    phone: str
    active: bool = True
    username: str = ""


@dataclass
class EnterprisePlan:
    credit_code: str
    name: str
    section: str
    division: str
    above_scale: bool
    ownership: str
    high_tech: bool
    street: str
    address: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    employees: int
    annual_revenue: Decimal
    founded_on: date


@dataclass
class PairingPlan:
    cadre: int  # CadrePlan.key
    credit_code: str
    start: tuple[int, int]  # (months ago, day of month)
    end: tuple[int, int] | None = None
    reason: str = ""
    end_reason: str = ""
    missed: frozenset[int] = frozenset()  # months ago with no visit (lagging cadres)
    current_chance: float = 0.6  # chance of a visit so far this month


@dataclass
class DistrictPlan:
    units: list[UnitPlan]
    cadres: list[CadrePlan]
    enterprises: list[EnterprisePlan]
    pairings: list[PairingPlan]
    demo_cadre: int  # key of the cadre who logs in as `cadre`

    @property
    def usernames(self) -> list[str]:
        return [cadre.username for cadre in self.cadres]


def _rng(seed: int, stage: str) -> random.Random:
    return random.Random(f"{seed}:{stage}")


def _weighted(rng: random.Random, pairs):
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights=weights)[0]


class _People:
    """Chinese names and phone numbers, each phone number used once."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phones: set[str] = set()

    def name(self) -> str:
        surname = _weighted(self.rng, SURNAMES)
        if self.rng.random() < 0.28:
            return surname + self.rng.choice(GIVEN_SINGLE)
        first, second = self.rng.choice(GIVEN_FIRST), self.rng.choice(GIVEN_SECOND)
        if first == second:
            second = self.rng.choice(GIVEN_SECOND)
        return surname + first + second

    def unique_name(self, taken: set[str]) -> str:
        while True:
            name = self.name()
            if name not in taken:
                taken.add(name)
                return name

    def mobile(self) -> str:
        while True:
            phone = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def landline(self) -> str:
        while True:
            phone = f"0411-8{self.rng.randrange(10**7):07d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone


def _plan_units() -> list[UnitPlan]:
    units = [UnitPlan(TASKFORCE, UnitKind.TASKFORCE, TASKFORCE_FUNCTION)]
    units += [UnitPlan(spec.name, UnitKind.WORKING_GROUP, spec.function, TASKFORCE) for spec in WORKING_GROUPS]
    units += [UnitPlan(spec.name, UnitKind.SERVICE_GROUP, spec.function, TASKFORCE) for spec in SERVICE_GROUPS]
    units += [UnitPlan(spec.name, UnitKind.DEPARTMENT, spec.function) for spec in DEPARTMENTS]
    units += [UnitPlan(spec.name, UnitKind.STREET, spec.function) for spec in STREETS]
    return units


def _department_positions(spec: UnitSpec) -> list[tuple[str, str, str | None]]:
    """(title, rank, category or None) for each cadre of a department, senior first."""
    seats = [(title, DIS, category) for title, category in DISTRICT_SEATS.get(spec.name, ())]
    rest = spec.size - len(seats)
    if rest <= 0:
        return seats
    if spec.head:
        division = [spec.head] + [spec.deputy] * (2 if rest < 10 else 3)
    else:
        division = [spec.deputy] * 2
    if rest >= 12:
        division.append("二级调研员")
    division = division[: max(1, rest - 2)]
    sections = [DEPARTMENT_SECTION_TITLES[i % len(DEPARTMENT_SECTION_TITLES)] for i in range(rest - len(division))]
    return seats + [(title, DIV, None) for title in division] + [(title, SEC, None) for title in sections]


def _street_sizes(total: int) -> list[int]:
    base, extra = divmod(total, len(STREETS))
    return [base + (1 if i < extra else 0) for i in range(len(STREETS))]


def _balance_ranks(slots: list[list]) -> None:
    """Demote or promote junior posts until exactly DIVISION_LEADERS cadres are division-level.

    Demotion takes the last deputy of the largest units first, one per unit in turn; promotion
    makes section chiefs of the largest units 四级调研员 (a division-level grade).
    """
    surplus = sum(1 for slot in slots if slot[1] == DIV) - DIVISION_LEADERS
    if surplus > 0:
        deputies: dict[str, list[list]] = defaultdict(list)
        for slot in slots:
            if slot[1] == DIV and "副" in slot[0]:
                deputies[slot[2]].append(slot)
        units = sorted(deputies, key=lambda unit: -deputies[unit][0][3])
        order = [
            deputies[unit][-1 - turn]
            for turn in range(max(len(d) for d in deputies.values()))
            for unit in units
            if turn < len(deputies[unit]) - 1  # every unit keeps one deputy
        ]
        for slot in order[:surplus]:
            slot[0], slot[1] = "一级主任科员", SEC
    elif surplus < 0:
        chiefs = [slot for slot in slots if slot[1] == SEC and slot[0] in ("科长", "办公室主任")]
        chiefs.sort(key=lambda slot: (-slot[3], slot[4]))
        for slot in chiefs[:-surplus]:
            slot[0], slot[1] = "四级调研员", DIV


def _plan_cadres(seed: int) -> list[CadrePlan]:
    """The 430 active cadres: 23 district-level, 148 division-level, the rest section-level."""
    rng = _rng(seed, "cadres")
    people = _People(rng)
    # slot: [title, rank, unit, unit size, index in unit, category or None]
    slots: list[list] = []

    def add(unit: str, positions, size: int) -> None:
        for index, (title, rank, category) in enumerate(positions):
            slots.append([title, rank, unit, size, index, category])

    add(TASKFORCE, [(t, r, None) for t, r in TASKFORCE_POSITIONS], len(TASKFORCE_POSITIONS))
    for spec in WORKING_GROUPS + SERVICE_GROUPS:
        add(spec.name, [(t, r, None) for t, r in spec.positions], len(spec.positions))
    for spec in DEPARTMENTS:
        add(spec.name, _department_positions(spec), spec.size)
    street_total = PAIRED + UNPAIRED_CADRES - len(slots)
    for spec, size in zip(STREETS, _street_sizes(street_total), strict=True):
        titles = [(t, DIV, None) for t in STREET_DIVISION_TITLES]
        titles += [
            (STREET_SECTION_TITLES[i % len(STREET_SECTION_TITLES)], SEC, None) for i in range(size - len(titles))
        ]
        add(spec.name, titles, size)
    _balance_ranks(slots)

    specs = {spec.name: spec for spec in WORKING_GROUPS + SERVICE_GROUPS + DEPARTMENTS}
    specs[TASKFORCE] = UnitSpec(TASKFORCE, "", (ADM, ECO))
    all_names: set[str] = set()
    cadres = []
    for key, (title, rank, unit, _size, _index, category) in enumerate(slots):
        if category is None:
            if unit in specs:
                options = specs[unit].categories
                category = options[0] if len(options) == 1 or rng.random() < 0.75 else rng.choice(options[1:])
            else:
                category = _weighted(rng, STREET_CATEGORIES)
        name = people.unique_name(all_names)
        cadres.append(CadrePlan(key, name, unit, rank, category, title, people.mobile()))
    return cadres


def _enterprise_name(rng: random.Random, words: tuple[str, ...], ownership: str, taken: set[str]) -> str:
    while True:
        brand = "".join(rng.sample(BRAND_CHARS, 2))
        word = rng.choice(words)
        if ownership == Ownership.JOINT_STOCK:
            suffix = "股份有限公司"
        elif ownership == Ownership.STATE and rng.random() < 0.5:
            suffix = "集团有限公司"
        else:
            suffix = "有限公司"
        name = f"大连{brand}{word}{suffix}"
        if name not in taken:
            taken.add(name)
            return name


def _random_date(rng: random.Random, first_year: int, last_year: int) -> date:
    start, end = date(first_year, 1, 1), date(last_year, 12, 31)
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _plan_enterprises(seed: int) -> list[EnterprisePlan]:
    """The paired above-scale enterprises and a few more on the roster."""
    rng = _rng(seed, "enterprises")
    people = _People(_rng(seed, "enterprise-people"))
    total = PAIRED + UNPAIRED_ABOVE_SCALE + SMALL_ENTERPRISES
    # The codes do not depend on the seed: they identify the demo's enterprises, so a reset with
    # any seed finds them.
    serials = random.Random("xigang-credit-codes").sample(range(10_000_000, 99_999_999), total)
    small = set(rng.sample(range(total), SMALL_ENTERPRISES))
    taken: set[str] = set()
    street_weights = [(spec, spec.weight) for spec in STREETS]
    mix = [((division, words), weight) for division, weight, words in INDUSTRY_MIX]
    enterprises = []
    for index, serial in enumerate(serials):
        division, words = _weighted(rng, mix)
        section = SECTION_OF.get(division, "C")
        ownership = _weighted(rng, OWNERSHIP_MIX)
        name = _enterprise_name(rng, words, ownership, taken)
        high_tech = rng.random() < HIGH_TECH_CHANCE.get(section, 0.04)
        threshold = REVENUE_THRESHOLD.get(section, 2000 if division == "51" else 500)
        above_scale = index not in small
        if above_scale:
            revenue = threshold * min(150.0, 1.0 + math.exp(rng.gauss(0.5, 1.0)))
        else:
            revenue = threshold * rng.uniform(0.25, 0.85)
        per_head = REVENUE_PER_EMPLOYEE.get(section, 60) * rng.uniform(0.6, 1.6)
        employees = max(8, round(revenue / per_head))
        if ownership == Ownership.STATE:
            founded = _random_date(rng, 1985, 2008)
        elif high_tech or section == "I":
            founded = _random_date(rng, 2000, 2022)
        else:
            founded = _random_date(rng, 1990, 2022)
        street = _weighted(rng, street_weights)
        address = f"大连市西岗区{rng.choice(street.roads)}{rng.randint(1, 260)}号"
        if rng.random() < 0.45:
            address += f"{rng.randint(2, 32)}层"
        legal = people.name()
        contact = legal if rng.random() < 0.2 else people.name()
        phone = people.mobile() if rng.random() < 0.75 else people.landline()
        enterprises.append(
            EnterprisePlan(
                credit_code=make_credit_code(serial, division=DIVISION_CODE),
                name=name,
                section=section,
                division=division,
                above_scale=above_scale,
                ownership=ownership,
                high_tech=high_tech,
                street=street.name,
                address=address,
                legal_representative=legal,
                contact_name=contact,
                contact_phone=phone,
                employees=employees,
                annual_revenue=Decimal(f"{revenue:.2f}"),
                founded_on=founded,
            )
        )
    return enterprises


_RANK_ORDER = {DIS: 0, DIV: 1, SEC: 2, Rank.OTHER: 2}


def _match(rng: random.Random, cadres: list[CadrePlan], enterprises: list[EnterprisePlan]) -> list[PairingPlan]:
    """Greedy "精准匹配": senior cadres choose first; each takes the enterprise that best fits
    their rank (by revenue tier), professional category, unit function and street."""
    by_revenue = sorted(enterprises, key=lambda e: (-e.annual_revenue, e.credit_code))
    tier = {}
    for index, enterprise in enumerate(by_revenue):
        tier[enterprise.credit_code] = (
            0 if index < DISTRICT_LEADERS else 1 if index < DISTRICT_LEADERS + DIVISION_LEADERS else 2
        )
    focus = {spec.name: spec.focus for spec in DEPARTMENTS}
    streets = {spec.name for spec in STREETS}
    order = []
    for rank in (DIS, DIV, SEC):
        group = [cadre for cadre in cadres if cadre.rank == rank]
        rng.shuffle(group)
        order += group
    remaining = list(enterprises)
    pairings = []
    for cadre in order:
        cadre_tier = _RANK_ORDER[cadre.rank]
        affinity = AFFINITY[cadre.category]
        unit_focus = focus.get(cadre.unit, "")
        local = cadre.unit in streets

        def score(enterprise, cadre_tier=cadre_tier, affinity=affinity, unit_focus=unit_focus, local=local, c=cadre):
            return (
                1.5 * affinity.get(enterprise.section, 0)
                + (2 if enterprise.section in unit_focus else 0)
                + (4 if local and enterprise.street == c.unit else 0)
                - 2.5 * abs(tier[enterprise.credit_code] - cadre_tier)
                + rng.random()
            )

        best = max(remaining, key=score)
        remaining.remove(best)
        if local and best.street == cadre.unit:
            reason = "属地街道联系服务辖区企业"
        elif cadre.rank == DIS:
            reason = "区级领导干部联系服务重点企业"
        elif best.section in unit_focus:
            reason = f"部门职能对口：{SECTIONS[best.section]}"
        elif affinity.get(best.section, 0) >= 2:
            reason = f"专业类别对口：{SECTIONS[best.section]}"
        else:
            reason = "综合考虑行政级别、专业类别和部门职能匹配"
        pairings.append(
            PairingPlan(cadre.key, best.credit_code, (CAMPAIGN_MONTHS_AGO, 1 + rng.randrange(10)), None, reason)
        )
    pairings.sort(key=lambda p: p.cadre)
    return pairings


def build_plan(seed: int = DEFAULT_SEED) -> DistrictPlan:
    """The whole district for `seed`, without touching the database."""
    units = _plan_units()
    cadres = _plan_cadres(seed)
    enterprises = _plan_enterprises(seed)
    rng = _rng(seed, "pairings")

    # A few active cadres are newly sent and still waiting for an enterprise.
    big_departments = {spec.name for spec in DEPARTMENTS if spec.size >= 8}
    waiting = rng.sample([c for c in cadres if c.rank == SEC and c.unit in big_departments], UNPAIRED_CADRES)
    waiting_keys = {c.key for c in waiting}
    to_pair = [c for c in cadres if c.key not in waiting_keys]
    above = [e for e in enterprises if e.above_scale]
    newly_above = {e.credit_code for e in rng.sample(above, UNPAIRED_ABOVE_SCALE)}
    pairings = _match(rng, to_pair, [e for e in above if e.credit_code not in newly_above])

    by_key = {c.key: c for c in cadres}
    handler_pairings = [p for p in pairings if by_key[p.cadre].unit == HANDLER_UNIT and by_key[p.cadre].rank == SEC]
    demo = rng.choice(handler_pairings)
    demo.current_chance = 0.0
    pool = [p for p in pairings if p is not demo and by_key[p.cadre].rank != DIS]
    rng.shuffle(pool)

    # History ("动态更新"): a cadre left and a colleague took over; two pairs of colleagues swapped.
    people = _People(_rng(seed, "former-cadres"))
    people.phones = {c.phone for c in cadres}
    taken = {c.name for c in cadres}
    history = []
    transfers, pool = pool[:TRANSFERS], pool[TRANSFERS:]
    for pairing, end_reason in zip(transfers, TRANSFER_REASONS, strict=True):
        successor = by_key[pairing.cadre]
        switch = (rng.choice((2, 3)), rng.randint(3, 20))
        pairing.start = switch
        pairing.reason = f"原联系干部{end_reason.removeprefix('干部')}，由本单位干部接续联系服务"
        former = CadrePlan(
            len(cadres),
            people.unique_name(taken),
            successor.unit,
            successor.rank,
            successor.category,
            successor.position,
            people.mobile(),
            active=False,
        )
        cadres.append(former)
        history.append(
            PairingPlan(
                former.key,
                pairing.credit_code,
                (CAMPAIGN_MONTHS_AGO, 1 + rng.randrange(10)),
                switch,
                "初始结对",
                end_reason,
            )
        )
    swaps = []
    for first in pool:
        if len(swaps) == SWAPS:
            break
        if any(first in pair for pair in swaps):
            continue
        colleague = (by_key[first.cadre].unit, by_key[first.cadre].rank)
        second = next(
            (
                p
                for p in pool
                if p is not first
                and (by_key[p.cadre].unit, by_key[p.cadre].rank) == colleague
                and not any(p in pair for pair in swaps)
            ),
            None,
        )
        if second is not None:
            swaps.append((first, second))
    for first, second in swaps:
        switch = (rng.choice((2, 3)), rng.randint(3, 20))
        for current, earlier in ((first, second), (second, first)):
            history.append(
                PairingPlan(current.cadre, earlier.credit_code, current.start, switch, "初始结对", SWAP_END_REASON)
            )
        for current in (first, second):
            current.start = switch
            current.reason = f"动态调整：{current.reason}"

    # Lagging cadres: about 8% missed last month, about 3% two months or more.
    steady = [p for p in pool if not any(p in pair for pair in swaps)]
    for index, pairing in enumerate(steady[:LAGGING_LONGER]):
        pairing.missed = frozenset({1, 2, 3} if index % 3 == 0 else {1, 2})
        pairing.current_chance = 0.3
    for pairing in steady[LAGGING_LONGER:LAGGING_LAST_MONTH]:
        pairing.missed = frozenset({1})
        pairing.current_chance = 0.45

    demo_key = demo.cadre
    number = 0
    for cadre in cadres:
        if cadre.key == demo_key:
            cadre.username = "cadre"
        else:
            number += 1
            cadre.username = f"c{number:04d}"
    return DistrictPlan(units, cadres, enterprises, pairings + history, demo_key)


# --- Dates -------------------------------------------------------------------------------------


def _month_start(today: date, months_ago: int) -> date:
    index = today.year * 12 + today.month - 1 - months_ago
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _resolve(moment: tuple[int, int], today: date) -> date:
    months_ago, day = moment
    first = _month_start(today, months_ago)
    return min(first.replace(day=min(day, _month_end(first).day)), today)


# --- Writing -----------------------------------------------------------------------------------


class Reporter:
    """Where progress goes; the default says nothing."""

    def stage(self, message: str) -> None:
        pass

    def progress(self, label: str, done: int, total: int) -> None:
        pass


@dataclass
class Login:
    username: str
    role: str
    note: str
    created: bool


@dataclass
class BuildResult:
    existed: bool
    created: Counter = field(default_factory=Counter)
    logins: list[Login] = field(default_factory=list)


STAFF_LOGINS = (
    # username, role, label shown as the user's name, is_staff, is_superuser
    ("admin", Role.ADMIN, "系统管理员", True, True),
    ("taskforce", Role.TASKFORCE, "区工作专班", True, False),
    ("leader", Role.LEADER, "区级领导", False, False),
    ("handler", Role.UNIT_HANDLER, f"{HANDLER_UNIT}联络员", False, False),
)


def handler_logins(*, username_prefix: str = "", unit_prefix: str = "") -> list[tuple[str, str]]:
    """(username, unit name) of the unit handlers' logins: h0001, h0002, ... for the departments and
    street offices (the demo's `handler` has 区科技和工业信息化局), g01 ... g08 for the service groups.
    The same for every seed, so that a reset finds them. A larger demo (demo.scale) prefixes the
    usernames and unit names of each of its districts."""
    units = [spec.name for spec in DEPARTMENTS if spec.name != HANDLER_UNIT] + [spec.name for spec in STREETS]
    logins = [(f"h{number:04d}", name) for number, name in enumerate(units, 1)]
    logins += [(f"g{number:02d}", spec.name) for number, spec in enumerate(SERVICE_GROUPS, 1)]
    if username_prefix:  # no `handler` login in a larger demo's districts: their own h0000 handles that unit
        logins.append(("h0000", HANDLER_UNIT))
    return [(username_prefix + username, unit_prefix + name) for username, name in logins]


def _handler_label(unit: str) -> str:
    return f"{unit}联络员"


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bulk(model, objects: list, *, label: str, reporter: Reporter, actor: User | None, history: bool = True) -> list:
    created = []
    reporter.progress(label, 0, len(objects))
    for chunk in _chunks(objects):
        if history:
            created += bulk_create_with_history(chunk, model, batch_size=CHUNK, default_user=actor)
        else:
            created += model.objects.bulk_create(chunk, batch_size=CHUNK)
        reporter.progress(label, len(created), len(objects))
    return created


def _ensure_staff_users(password_hash: str, result: BuildResult, reporter: Reporter) -> dict[str, User]:
    users = {u.username: u for u in User.objects.filter(username__in=[spec[0] for spec in STAFF_LOGINS])}
    new = [
        User(
            username=username,
            password=password_hash,
            role=role,
            first_name=label,
            is_staff=staff,
            is_superuser=superuser,
        )
        for username, role, label, staff, superuser in STAFF_LOGINS
        if username not in users
    ]
    for user in _bulk(User, new, label="staff logins", reporter=reporter, actor=None, history=False):
        user._demo_new = True
        users[user.username] = user
    result.created["users"] += len(new)
    return users


def _ensure_cadre_users(
    plan: DistrictPlan, password_hash: str, result: BuildResult, reporter: Reporter
) -> dict[str, User]:
    users = {user.username: user for user in User.objects.filter(username__in=plan.usernames)}
    new = [
        User(username=c.username, password=password_hash, role=Role.CADRE, first_name=c.name, is_active=c.active)
        for c in plan.cadres
        if c.username not in users
    ]
    for user in _bulk(User, new, label="cadre logins", reporter=reporter, actor=None, history=False):
        user._demo_new = True
        users[user.username] = user
    result.created["users"] += len(new)
    return users


def _ensure_units(plan: DistrictPlan, actor: User, result: BuildResult, reporter: Reporter) -> dict[str, Unit]:
    units = {unit.name: unit for unit in Unit.objects.filter(name__in=[u.name for u in plan.units])}
    for top_level in (True, False):
        new = [
            Unit(name=u.name, kind=u.kind, function=u.function, parent=units.get(u.parent) if u.parent else None)
            for u in plan.units
            if u.name not in units and (u.parent is None) == top_level
        ]
        for unit in _bulk(Unit, new, label="units", reporter=reporter, actor=actor):
            units[unit.name] = unit
        result.created["units"] += len(new)
    return units


def _ensure_handler_users(
    password_hash: str, result: BuildResult, reporter: Reporter, *, username_prefix: str = "", unit_prefix: str = ""
) -> dict[int, User]:
    """The unit handlers' logins, created where missing; returns unit id -> the login handling it."""
    logins = handler_logins(username_prefix=username_prefix, unit_prefix=unit_prefix)
    units = {unit.name: unit for unit in Unit.objects.filter(name__in=[name for _username, name in logins])}
    users = {u.username: u for u in User.objects.filter(username__in=[username for username, _name in logins])}
    new = [
        User(
            username=username,
            password=password_hash,
            role=Role.UNIT_HANDLER,
            first_name=_handler_label(name.removeprefix(unit_prefix)),
            unit=units[name],
        )
        for username, name in logins
        if username not in users and name in units
    ]
    for user in _bulk(User, new, label="handler logins", reporter=reporter, actor=None, history=False):
        users[user.username] = user
    if new:
        result.created["users"] += len(new)
    handlers = {
        users[username].unit_id: users[username]
        for username, _name in logins
        if username in users and users[username].role == Role.UNIT_HANDLER and users[username].unit_id
    }
    handler = User.objects.filter(username="handler", role=Role.UNIT_HANDLER, unit__isnull=False).first()
    if handler is not None:
        handlers[handler.unit_id] = handler
    return handlers


def _ensure_cadres(plan, users, units, actor, result, reporter) -> dict[int, Cadre]:
    existing = {c.user_id: c for c in Cadre.objects.filter(user__in=[users[u] for u in plan.usernames])}
    cadres: dict[int, Cadre] = {}
    new = []
    for spec in plan.cadres:
        user = users[spec.username]
        if user.pk in existing:
            cadres[spec.key] = existing[user.pk]
            continue
        cadre = Cadre(
            user=user,
            name=spec.name,
            unit=units[spec.unit],
            rank=spec.rank,
            category=spec.category,
            position=spec.position,
            phone=spec.phone,
            active=spec.active,
        )
        cadre._demo_new = True
        cadres[spec.key] = cadre
        new.append(cadre)
    _bulk(Cadre, new, label="cadres", reporter=reporter, actor=actor)
    result.created["cadres"] += len(new)
    return cadres


def _ensure_enterprises(plan, units, actor, result, reporter) -> dict[str, Enterprise]:
    codes = [e.credit_code for e in plan.enterprises]
    enterprises = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
    new = []
    for spec in plan.enterprises:
        if spec.credit_code in enterprises:
            continue
        enterprise = Enterprise(
            name=spec.name,
            credit_code=spec.credit_code,
            industry_section=spec.section,
            industry_division=spec.division,
            above_scale=spec.above_scale,
            ownership=spec.ownership,
            high_tech=spec.high_tech,
            street=units[spec.street],
            address=spec.address,
            legal_representative=spec.legal_representative,
            contact_name=spec.contact_name,
            contact_phone=spec.contact_phone,
            employees=spec.employees,
            annual_revenue=spec.annual_revenue,
            founded_on=spec.founded_on,
            status=EnterpriseStatus.OPERATING,
        )
        enterprise._demo_new = True
        enterprises[spec.credit_code] = enterprise
        new.append(enterprise)
    _bulk(Enterprise, new, label="enterprises", reporter=reporter, actor=actor)
    result.created["enterprises"] += len(new)
    return enterprises


def _ensure_pairings(plan, cadres, enterprises, actor, today, result, reporter) -> list[tuple[Assignment, PairingPlan]]:
    """Create the planned pairings; where a cadre or enterprise already existed, only those that
    neither duplicate a stored pairing nor collide with an active one."""
    old_cadres = [c.pk for c in cadres.values() if not getattr(c, "_demo_new", False)]
    old_enterprises = [e.pk for e in enterprises.values() if not getattr(e, "_demo_new", False)]
    stored = set()
    busy_cadres, busy_enterprises = set(), set()
    if old_cadres or old_enterprises:
        for a in Assignment.objects.filter(Q(cadre__in=old_cadres) | Q(enterprise__in=old_enterprises)):
            stored.add((a.cadre_id, a.enterprise_id, a.ended_on is None))
            if a.ended_on is None:
                busy_cadres.add(a.cadre_id)
                busy_enterprises.add(a.enterprise_id)
    new, plans = [], []
    for spec in plan.pairings:
        cadre, enterprise = cadres[spec.cadre], enterprises[spec.credit_code]
        started = _resolve(spec.start, today)
        ended = _resolve(spec.end, today) if spec.end else None
        if (cadre.pk, enterprise.pk, ended is None) in stored:
            continue
        if ended is None:
            if cadre.pk in busy_cadres or enterprise.pk in busy_enterprises:
                result.created["pairings skipped"] += 1
                continue
            busy_cadres.add(cadre.pk)
            busy_enterprises.add(enterprise.pk)
        new.append(
            Assignment(
                cadre=cadre,
                enterprise=enterprise,
                started_on=started,
                ended_on=ended,
                reason=spec.reason,
                end_reason=spec.end_reason,
                created_by=actor,
            )
        )
        plans.append(spec)
    created = _bulk(Assignment, new, label="pairings", reporter=reporter, actor=actor)
    result.created["pairings"] += len(new)
    return list(zip(created, plans, strict=True))


def _workdays(rng: random.Random, low: date, high: date, count: int) -> list[date]:
    days = [low + timedelta(days=n) for n in range((high - low).days + 1)]
    workdays = [d for d in days if d.weekday() < 5] or days
    return sorted(rng.sample(workdays, min(count, len(workdays))))


def _visit_text(rng: random.Random, method: str, section: str) -> tuple[str, str, str]:
    surname = _weighted(rng, SURNAMES)
    people = [f"{rng.choice(PEOPLE_TITLES)}{surname}某"]
    if rng.random() < 0.35:
        people.append(rng.choice(BARE_TITLES))
    opening = rng.choice(OPENINGS[method])
    activity = rng.choice(ACTIVITY_BY_SECTION.get(section, DEFAULT_ACTIVITIES))
    issue = ""
    if rng.random() < 0.35:
        suitable = [i for i in ISSUES if not i[2] or section in i[2]]
        label, text, _sections = rng.choice(suitable)
        issue = f"{label}：" + text.format(n=rng.randrange(200, 3000, 100), m=rng.randint(8, 60))
        outcome = f"企业反映{label}问题，已记录并按“个人—单位—专班”流程推动解决。"
    else:
        outcome = rng.choice(CALM_OUTCOMES).format(p=rng.randint(3, 25))
    return "、".join(people), f"{opening}，{activity}。{outcome}", issue


def _plan_visits(
    seed: int, pairs: list[tuple[Assignment, PairingPlan]], today: date, *, months: int = CAMPAIGN_MONTHS_AGO
) -> list[Visit]:
    """1-3 visits a month for each pairing (this month and `months` before), fewer for lagging cadres,
    none in the future."""
    rng = _rng(seed, "visits")
    visits = []
    for assignment, spec in sorted(pairs, key=lambda pair: (pair[1].cadre, pair[1].credit_code)):
        for months_ago in range(months, -1, -1):
            first = _month_start(today, months_ago)
            last = min(_month_end(first), today)
            low = max(first, assignment.started_on)
            high = last if assignment.ended_on is None else min(last, assignment.ended_on - timedelta(days=1))
            roll = rng.random()
            if low > high:
                continue
            if months_ago == 0:
                count = (1 if rng.random() < 0.8 else 2) if roll < spec.current_chance else 0
            elif months_ago in spec.missed:
                count = 0
            elif assignment.ended_on is not None and assignment.ended_on <= _month_end(first):
                count = 1 if roll < 0.5 else 0  # the pairing ended this month and was not due
            elif roll < 0.015 and months_ago >= 3 and not spec.missed:
                count = 0
            else:
                count = _weighted(rng, ((1, 55), (2, 33), (3, 12)))
            for day in _workdays(rng, low, high, count):
                method = _weighted(rng, METHOD_WEIGHTS)
                people_met, summary, issues = _visit_text(rng, method, assignment.enterprise.industry_section)
                visit = Visit(
                    cadre=assignment.cadre,
                    enterprise=assignment.enterprise,
                    assignment=assignment,
                    date=day,
                    method=method,
                    people_met=people_met,
                    summary=summary,
                    issues_raised=issues,
                    created_by_id=assignment.cadre.user_id,
                )
                visit._history_user = assignment.cadre.user
                visits.append(visit)
    return visits


def _plan_is_stored(plan: DistrictPlan) -> bool:
    usernames = plan.usernames + [spec[0] for spec in STAFF_LOGINS]
    return (
        Unit.objects.filter(name__in=[u.name for u in plan.units]).count() == len(plan.units)
        and User.objects.filter(username__in=usernames).count() == len(usernames)
        and Cadre.objects.filter(user__username__in=plan.usernames).count() == len(plan.cadres)
        and Enterprise.objects.filter(credit_code__in=[e.credit_code for e in plan.enterprises]).count()
        == len(plan.enterprises)
    )


def _logins(plan: DistrictPlan | None, staff: dict[str, User], cadre_users: dict[str, User]) -> list[Login]:
    """The demo logins to print; without a plan (the district already existed) the stored cadre."""
    logins = [
        Login(
            username,
            staff[username].role if username in staff else role,
            f"unit {HANDLER_UNIT}" if role == Role.UNIT_HANDLER else "",
            getattr(staff.get(username), "_demo_new", False),
        )
        for username, role, *_rest in STAFF_LOGINS
    ]
    if plan is not None:
        demo = next(c for c in plan.cadres if c.key == plan.demo_cadre)
        note = f"{demo.name}, {demo.position}, {demo.unit}; not yet contacted this month"
    else:
        demo = Cadre.objects.filter(user__username="cadre").select_related("unit").first()
        note = f"{demo.name}, {demo.position}, {demo.unit.name}" if demo else ""
    logins.append(Login("cadre", Role.CADRE, note, getattr(cadre_users.get("cadre"), "_demo_new", False)))
    return logins


def demo_district_build(
    *, seed: int = DEFAULT_SEED, password: str = DEFAULT_PASSWORD, reporter: Reporter | None = None
) -> BuildResult:
    """Build the demo district, writing only what is not stored yet (by unit name, username, credit
    code; the appeals by the mark on their first event; the policies by title)."""
    from demo import appeals as demo_appeals
    from demo import policies as demo_policies

    reporter = reporter or Reporter()
    today = local_today()
    plan = build_plan(seed)
    stored = _plan_is_stored(plan)
    appeals_stored = demo_appeals.demo_appeals_exist()
    policies_stored = demo_policies.demo_policies_exist()
    if stored and appeals_stored and policies_stored:
        return BuildResult(existed=True, logins=_logins(None, {}, {}))

    result = BuildResult(existed=False)
    password_hash = make_password(password)  # once: hashing 436 passwords one by one takes minutes
    staff, cadre_users = {}, {}
    with transaction.atomic():
        if not stored:
            staff, cadre_users = _build_roster(plan, seed, today, password_hash, result, reporter)

        if not appeals_stored:
            _build_appeals(plan, seed, today, password_hash, result, reporter)

        if not policies_stored:
            _build_policies(plan, seed, today, result, reporter)
    result.logins = _logins(plan, staff, cadre_users) if not stored else _logins(None, {}, {})
    return result


def _build_appeals(plan, seed, today, password_hash, result, reporter) -> None:
    """The unit handlers' logins, and the appeals the cadres raised, in every state."""
    from demo import appeals as demo_appeals
    from demo import oversight as demo_oversight

    reporter.stage("Appeals, and the monthly bulletins as each was published then")
    handlers = _ensure_handler_users(password_hash, result, reporter)
    checkpoints = demo_oversight.bulletin_checkpoints(today, reporter, result.created)
    with transaction.atomic():
        built = demo_appeals.demo_appeals_build(
            seed=seed,
            today=today,
            credit_codes=[e.credit_code for e in plan.enterprises],
            handlers=handlers,
            reporter=reporter,
            checkpoints=checkpoints,
        )
    result.created["appeals"] += built.appeals
    result.created["appeal events"] += built.events
    reporter.stage(f"  {built.appeals} appeals created: {built.summary}")
    for name in built.skipped:
        reporter.stage(f"  No enterprise fits the appeal “{name}”; left out")


def _build_policies(plan, seed, today, result, reporter) -> None:
    """The handbook's 55 measures with their rules, QR scans, and the benefits cadres bring without an application."""
    from demo import policies as demo_policies

    reporter.stage("Policies: the handbook's catalogue, QR scans and no-application deliveries")
    taskforce = User.objects.filter(username="taskforce", role=Role.TASKFORCE).first()
    if taskforce is None:  # only the task force edits the catalogue
        reporter.stage("  Policies skipped: the demo's taskforce login is missing")
        return
    built = demo_policies.demo_policies_build(
        seed=seed,
        today=today,
        credit_codes=[e.credit_code for e in plan.enterprises],
        taskforce=taskforce,
        reporter=reporter,
    )
    result.created["policies"] += built.policies
    result.created["rule groups"] += built.rule_groups
    result.created["deliveries"] += built.deliveries
    result.created["policy scan days"] += built.scans
    reporter.stage(f"  {built.policies} policies created: {built.summary}")


def _build_roster(plan, seed, today, password_hash, result, reporter) -> tuple[dict, dict]:
    """Units, logins, cadres, enterprises, pairings and visits."""
    reporter.stage("Demo logins")
    staff = _ensure_staff_users(password_hash, result, reporter)
    actor = staff["taskforce"]

    reporter.stage("Units: the 1+3+8 task force, departments, street offices")
    units = _ensure_units(plan, actor, result, reporter)
    handler = staff["handler"]
    if getattr(handler, "_demo_new", False):
        handler.unit = units[HANDLER_UNIT]
        handler.save(update_fields=["unit"])
    reporter.stage(f"  {result.created['units']} units created")

    reporter.stage("Cadres and their logins")
    cadre_users = _ensure_cadre_users(plan, password_hash, result, reporter)
    cadres = _ensure_cadres(plan, cadre_users, units, actor, result, reporter)
    reporter.stage(f"  {result.created['cadres']} cadres created, {result.created['users']} logins in all")

    reporter.stage("Enterprises")
    enterprises = _ensure_enterprises(plan, units, actor, result, reporter)
    reporter.stage(f"  {result.created['enterprises']} enterprises created")

    reporter.stage("Pairings")
    pairs = _ensure_pairings(plan, cadres, enterprises, actor, today, result, reporter)
    reporter.stage(f"  {result.created['pairings']} pairings created")

    reporter.stage("Visits")
    visits = _plan_visits(seed, pairs, today)
    _bulk(Visit, visits, label="visits", reporter=reporter, actor=None)
    result.created["visits"] += len(visits)
    reporter.stage(f"  {len(visits)} visits created")
    return staff, cadre_users


def demo_district_reset(*, reporter: Reporter | None = None) -> Counter:
    """Delete the demo district: its logins and their cadres, its enterprises, every pairing, visit,
    appeal and delivery of those, the demo's policies, and the demo units nothing else uses (a rule
    group naming a street counts). History rows of what is deleted go too.

    The keys (unit names, usernames, credit codes) are the same for every seed, so this finds a
    district built with any seed.
    """
    from demo import appeals as demo_appeals
    from demo import hotline as demo_hotline
    from demo import outreach as demo_outreach
    from demo import oversight as demo_oversight
    from demo import policies as demo_policies
    from demo import portal as demo_portal
    from policies.models import RuleGroup

    reporter = reporter or Reporter()
    plan = build_plan(DEFAULT_SEED)
    deleted: Counter = Counter()
    with transaction.atomic():
        # Meetings, dispatch sheets, interviews, bulletins and evaluations hold on to everything else.
        deleted.update(demo_oversight.demo_oversight_delete(reporter=reporter))
        cadre_ids = list(Cadre.objects.filter(user__username__in=plan.usernames).values_list("pk", flat=True))
        codes = [e.credit_code for e in plan.enterprises]
        enterprise_ids = list(Enterprise.objects.filter(credit_code__in=codes).values_list("pk", flat=True))
        appeals = demo_appeals.demo_appeals_of(enterprise_ids=enterprise_ids, cadre_ids=cadre_ids)
        # The 12345 work orders and their delivery log hold on to appeals.
        deleted.update(demo_hotline.demo_hotline_delete(reporter=reporter))
        # The enterprise pages' contacts, access log and notices hold on to enterprises and users.
        deleted.update(demo_portal.demo_portal_delete(enterprise_ids=enterprise_ids, reporter=reporter))
        deleted["appeals"] = demo_appeals.demo_appeals_delete(appeals, reporter)
        demo_hotline.demo_hotline_accounts_delete()
        # Policy pushes hold on to enterprises, cadres, units and policies.
        deleted.update(demo_outreach.demo_outreach_delete(enterprise_ids=enterprise_ids, cadre_ids=cadre_ids,
                                                          reporter=reporter))
        # Deliveries hold on to enterprises, cadres and policies: they go first.
        deleted.update(
            demo_policies.demo_policies_delete(enterprise_ids=enterprise_ids, cadre_ids=cadre_ids, reporter=reporter)
        )
        visits = Visit.objects.filter(Q(cadre__in=cadre_ids) | Q(enterprise__in=enterprise_ids))
        pairings = Assignment.objects.filter(Q(cadre__in=cadre_ids) | Q(enterprise__in=enterprise_ids))
        steps = (
            ("visits", Visit, visits),
            ("pairings", Assignment, pairings),
            ("cadres", Cadre, Cadre.objects.filter(pk__in=cadre_ids)),
            ("enterprises", Enterprise, Enterprise.objects.filter(pk__in=enterprise_ids)),
        )
        for label, model, queryset in steps:
            ids = list(queryset.values_list("pk", flat=True))
            reporter.stage(f"Deleting {len(ids)} {label}")
            for chunk in _chunks(ids, 2000):
                model.objects.filter(pk__in=chunk).delete()
                model.history.filter(id__in=chunk).delete()
            deleted[label] = len(ids)
        # A staff or handler login is the demo's only if it still carries the demo's label: an `admin`
        # made before the demo is someone's own account.
        labelled = [(username, label) for username, _role, label, *_flags in STAFF_LOGINS]
        labelled += [(username, _handler_label(unit)) for username, unit in handler_logins()]
        demo_users = Q(username__in=plan.usernames) | Q(
            *[Q(username=username, first_name=label) for username, label in labelled], _connector=Q.OR
        )
        deleted["users"] = User.objects.filter(demo_users).delete()[1].get(User._meta.label, 0)
        names = [u.name for u in plan.units]
        for top_level in (False, True):
            for unit in Unit.objects.filter(name__in=names, parent__isnull=top_level):
                used = (
                    unit.cadres.exists()
                    or unit.enterprises.exists()
                    or unit.users.exists()
                    or unit.children.exists()
                    or unit.handled_appeals.exists()
                    or RuleGroup.streets.through.objects.filter(unit=unit).exists()
                )
                if used:
                    reporter.stage(f"Keeping unit {unit.name}: other data uses it")
                    continue
                pk = unit.pk
                unit.delete()
                Unit.history.filter(id=pk).delete()
                deleted["units"] += 1
    return deleted
