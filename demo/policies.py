"""The demo district's policy catalogue (政策清单): the 55 measures in 7 categories of the article's
《营商服务联络员指导手册》, their eligibility rules, QR-code scans and no-application deliveries.

The measures come from the documents the article names (《西岗区促进高新技术企业发展若干措施》 and
the 《西岗区惠企强企政策免申即享、直达快享政策清单》) and the kind of district, city and national
documents a handbook gathers beside them. Titles are the same for every seed and every date: they
are the key a second run and a reset find the demo's measures by. Dates move with today like the
rest of the demo (a document issued "420 days ago" carries that year in its number); contact
numbers, publication days, scan counts and who has been brought which benefit come from the seed.

Policies and rule groups are written through policies.services (as the task force, so that their
history says who); deliveries and scans in bulk, with the times they happened, because
services.delivery_generate would notify hundreds of cadres of benefits generated weeks ago.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from demo.district import CHUNK, Reporter
from enterprises.models import Enterprise
from liaison.models import Assignment, Unit, UnitKind, User, Visit
from policies import eligibility, services
from policies.models import (
    Delivery,
    DeliveryStatus,
    Policy,
    PolicyCategory,
    PolicyScan,
    PolicyStatus,
    RuleGroup,
)

# The categories policies/migrations/0002_seed.py creates; put back if a test truncated them.
CATEGORIES = (
    ("finance", "财税金融支持"),
    ("innovation", "科技创新"),
    ("talent", "人才引育"),
    ("industry", "产业发展"),
    ("market", "市场开拓"),
    ("employment", "稳岗就业"),
    ("services", "政务服务与营商环境"),
)

# --- The documents --------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    title: str  # 《...》, or "" for a measure titled by itself
    number: str  # with {year} for the year of issue; "" for a draft
    issuer: str
    days_ago: int  # issued about this many days before today
    years: int | None  # in force for this many years from issue; None: until revoked
    draft: bool = False
    fixed: tuple[date, date | None] | None = None  # national documents: their own dates


GAOQI = Document("《西岗区促进高新技术企业发展若干措施》", "西政发〔{year}〕12号", "大连市西岗区人民政府", 420, 3)
QINGDAN = Document(
    "《西岗区惠企强企政策免申即享、直达快享政策清单》", "西政办发〔{year}〕5号", "大连市西岗区人民政府办公室", 330, 2
)
JINRONG = Document(
    "《西岗区支持首贷服务中心建设和企业融资若干措施》", "西政办发〔{year}〕17号", "大连市西岗区人民政府办公室",
    1000, 3,
)
SHANGMAO = Document("《西岗区促进商贸流通业高质量发展若干措施》", "西政发〔{year}〕9号", "大连市西岗区人民政府", 700, 3)
RENCAI = Document(
    "《西岗区人才引进培育若干措施》", "西委发〔{year}〕3号", "中共大连市西岗区委 大连市西岗区人民政府", 800, 5
)
WENGANG = Document("《大连市支持企业稳岗扩岗若干措施》", "大政办发〔{year}〕8号", "大连市人民政府办公室", 760, 3)
YINGSHANG = Document("《西岗区优化营商环境若干措施》", "西政发〔{year}〕21号", "大连市西岗区人民政府", 450, None)
LOUYU = Document(
    "《西岗区支持楼宇经济和总部经济发展若干措施》", "西政办发〔{year}〕11号", "大连市西岗区人民政府办公室", 380, 3
)
SHUKUN = Document(
    "《西岗区支持中小微企业纾困发展若干措施》", "西政发〔{year}〕6号", "大连市西岗区人民政府", 1550, 2
)
XIAOFEI = Document("《大连市促进消费恢复提振若干措施》", "大政办发〔{year}〕15号", "大连市人民政府办公室", 1200, 1)
YIGONG = Document(
    "《大连市以工代训补贴实施办法》", "大人社发〔{year}〕46号", "大连市人力资源和社会保障局 大连市财政局", 1900, 1
)
SHUZI = Document(
    "《西岗区支持数字经济和人工智能产业发展若干措施（征求意见稿）》", "", "大连市西岗区数据局（起草）", 40, None,
    draft=True,
)
JIAJI = Document(
    "", "财政部 税务总局公告2023年第7号", "财政部 税务总局", 0, None, fixed=(date(2023, 1, 1), None)
)
SUODESHUI = Document("", "《中华人民共和国企业所得税法》第二十八条", "全国人民代表大会", 0, None,
                     fixed=(date(2008, 1, 1), None))
XIAOWEI = Document(
    "", "财政部 税务总局公告2023年第12号", "财政部 税务总局", 0, None, fixed=(date(2023, 1, 1), date(2027, 12, 31))
)

# Who answers questions about a measure; each office gets one 0411-8xxxxxxx number per seed.
KEJI = "区科技和工业信息化局科技发展科"
GONGXIN = "区科技和工业信息化局工业和信息化科"
RENSHE = "区人力资源和社会保障局就业科"
RENCAIBAN = "区委组织部人才工作科"
JINRONGZX = "区金融发展服务中心"
SHANGWU = "区商务局商贸流通科"
WAIMAO = "区商务局外经贸科"
TOUCU = "区投资促进局"
YINGSHANGJU = "区营商环境建设局"
SHUIWU = "国家税务总局大连市西岗区税务局纳税服务科"
CAIZHENG = "区财政局"
SHUJU = "区数据局"
WENLV = "区文化和旅游局"
CANLIAN = "区残疾人联合会"

# --- The measures ---------------------------------------------------------------------------

HT = {"high_tech": True}
ABOVE = {"above_scale": True}


def founded_within(years: int) -> dict:
    """Founded in the last `years` years, counted back from today's year when the rule is written."""
    return {"founded_within": years}


def founded_years_ago(years: int) -> dict:
    """Founded at least `years` years ago, counted back from today's year when the rule is written."""
    return {"founded_years_ago": years}


@dataclass(frozen=True)
class Measure:
    category: str
    doc: Document
    article: str
    name: str
    summary: str
    eligibility: str
    benefit: str
    how: str
    office: str
    tags: str
    rules: tuple[dict, ...] = ()
    no_application: bool = False
    direct_delivery: bool = False

    @property
    def title(self) -> str:
        if not self.doc.title:
            return self.name
        return f"{self.doc.title}{self.article}：{self.name}"


FREE = "免申即享：无需企业申请，由主管部门根据部门数据比对确定名单，资金直接拨付企业基本账户；联系干部负责告知企业。"
FAST = "直达快享：主管部门依据统计、社保等数据预先确定名单，企业在线确认后资金直达，无需提交纸质材料。"

MEASURES: tuple[Measure, ...] = (
    # --- 财税金融支持 (10) ------------------------------------------------------------------
    Measure(
        "finance", GAOQI, "第五条", "高新技术企业贷款贴息",
        "支持高新技术企业扩大研发和生产投入，对其从银行取得的流动资金贷款给予贴息。",
        "在西岗区注册、有效期内的高新技术企业，上一年度在辖区银行取得流动资金贷款并按期还本付息。",
        "按贷款发生时一年期贷款市场报价利率（LPR）的50%给予贴息，单户企业年度最高50万元。",
        "每年3月通过“西岗区惠企政策服务平台”提交贷款合同和付息凭证，区科技和工业信息化局会同区财政局审核后拨付。",
        KEJI, "高新技术企业,贷款贴息,融资", (dict(HT, name="高新技术企业"),),
    ),
    Measure(
        "finance", QINGDAN, "第9项", "首贷贴息",
        "对首次从银行取得贷款的中小微企业给予贴息，由区级首贷服务中心直接对接落实。",
        "在西岗区注册、首次获得银行贷款（此前无任何银行贷款记录）的中小微企业，以金融机构报送名单为准。",
        "按实际支付利息的50%给予贴息，单户企业最高20万元；同时享受合作银行首贷利率优惠。",
        FAST, JINRONGZX, "首贷,贴息,直达快享", direct_delivery=True,
    ),
    Measure(
        "finance", JINRONG, "第三条", "续贷过桥资金支持",
        "设立应急转贷资金，为贷款即将到期、有续贷需求的企业提供短期过桥，降低转贷成本。",
        "生产经营正常、贷款即将到期且合作银行已出具续贷意向的中小微企业（从业人员1000人以下）。",
        "单笔过桥资金最高1000万元，使用期限不超过15天，资金使用费按日万分之一收取。",
        "企业向合作银行或区金融发展服务中心提出申请，经银行确认续贷意向后3个工作日内放款。",
        JINRONGZX, "续贷,过桥资金,中小微企业", ({"name": "中小微企业", "employees_max": 1000},),
    ),
    Measure(
        "finance", JINRONG, "第四条", "政府性融资担保费补贴",
        "鼓励政府性融资担保机构降低担保费率，对中小微企业担保贷款给予担保费补贴。",
        "通过政府性融资担保机构取得贷款的中小微企业（从业人员1000人以下）。",
        "担保费率降至1%以下，对企业实际缴纳担保费的50%给予补贴，单户企业年度最高10万元。",
        "由担保机构按季度汇总报送，区金融发展服务中心审核后将补贴拨付企业。",
        JINRONGZX, "融资担保,担保费补贴,中小微企业", ({"name": "中小微企业", "employees_max": 1000},),
    ),
    Measure(
        "finance", JINRONG, "第五条", "企业上市挂牌奖励",
        "支持企业利用资本市场做大做强，对在境内外证券交易所上市及在新三板、区域性股权市场挂牌的企业分阶段奖励。",
        "在西岗区注册的股份有限公司，完成股改并向证监部门报送辅导备案、提交上市申请或成功上市。",
        "辅导备案奖励100万元，申报受理奖励100万元，成功上市奖励100万元；新三板挂牌奖励50万元。",
        "企业在完成相应阶段后3个月内向区金融发展服务中心申报，提交证监部门受理或备案文件。",
        JINRONGZX, "上市,挂牌,资本市场", ({"name": "股份有限公司", "ownerships": ["joint_stock"]},),
    ),
    Measure(
        "finance", JINRONG, "第六条", "知识产权质押融资贴息",
        "支持科技型企业以专利权、商标权等知识产权质押融资，对质押贷款利息和评估费用给予补贴。",
        "以自有知识产权质押取得银行贷款的高新技术企业、科技型中小企业及软件和信息技术服务企业。",
        "按贷款利息的50%给予贴息，评估费用按50%给予补贴，单户企业年度合计最高30万元。",
        "每年4月和10月集中申报，提交质押登记证明、贷款合同和付息凭证。",
        JINRONGZX, "知识产权,质押融资,贴息",
        (dict(HT, name="高新技术企业"), {"name": "科技服务和软件企业", "industry_sections": ["I", "M"]}),
    ),
    Measure(
        "finance", SHUKUN, "第二条", "国有房屋租金减免",
        "对承租区属国有企业、行政事业单位经营用房的小微企业和个体工商户减免租金，帮助渡过难关。",
        "承租区属国有经营用房从事生产经营活动的小微企业（从业人员300人以下）和个体工商户。",
        "减免6个月租金，其中2022年内减免3个月，再按实际经营情况减免3个月。",
        "由出租单位主动对接承租企业，签订减免补充协议后直接在租金中扣减。",
        CAIZHENG, "房租减免,小微企业,纾困", ({"name": "小微企业", "employees_max": 300},),
    ),
    Measure(
        "finance", SUODESHUI, "", "高新技术企业减按15%税率征收企业所得税",
        "国家需要重点扶持的高新技术企业，减按15%的税率征收企业所得税。",
        "取得高新技术企业证书且在有效期内，研发费用、高新技术产品收入等指标持续符合认定条件的居民企业。",
        "企业所得税税率由25%降至15%。",
        "企业在企业所得税预缴和年度汇算清缴时自行判别、申报享受，相关资料留存备查。",
        SHUIWU, "高新技术企业,企业所得税,税收优惠", (dict(HT, name="高新技术企业"),),
    ),
    Measure(
        "finance", XIAOWEI, "", "小型微利企业减免企业所得税",
        "对小型微利企业减按25%计入应纳税所得额，按20%的税率缴纳企业所得税。",
        "从事国家非限制和禁止行业，年度应纳税所得额不超过300万元、从业人数不超过300人、资产总额不超过5000万元的企业。",
        "实际税负降至5%。",
        "企业在预缴和汇算清缴时通过电子税务局自行申报享受，无需备案。",
        SHUIWU, "小型微利企业,企业所得税,税收优惠", ({"name": "小型微利企业（从业人数）", "employees_max": 300},),
    ),
    Measure(
        "finance", QINGDAN, "第7项", "小型微利企业“六税两费”减半征收",
        "对小型微利企业减半征收资源税、城市维护建设税、房产税、城镇土地使用税、印花税、耕地占用税和教育费附加、地方教育附加。",
        "符合小型微利企业条件的企业（从业人数不超过300人等），由税务系统自动识别。",
        "上述“六税两费”按50%的税额幅度减征。",
        "免申即享：申报时电子税务局自动带出减免，企业无需另行申请。",
        SHUIWU, "六税两费,小型微利企业,免申即享", ({"name": "小型微利企业（从业人数）", "employees_max": 300},),
        no_application=True,
    ),
    # --- 科技创新 (9) ---------------------------------------------------------------------------
    Measure(
        "innovation", GAOQI, "第一条", "高新技术企业首次认定奖励",
        "鼓励企业申报高新技术企业，对首次通过认定的企业给予一次性奖励，列入免申即享、直达快享政策清单。",
        "在西岗区注册、首次通过高新技术企业认定的企业，以全国高新技术企业认定管理工作网公示名单为准。",
        "一次性奖励20万元。",
        FREE, KEJI, "高新技术企业,认定奖励,免申即享", (dict(HT, name="高新技术企业"),),
        no_application=True,
    ),
    Measure(
        "innovation", GAOQI, "第二条", "高新技术企业重新认定奖励",
        "支持高新技术企业持续提升创新能力，对有效期满后重新通过认定的企业给予奖励。",
        "在西岗区注册、高新技术企业资格期满后重新通过认定的企业。",
        "一次性奖励10万元。",
        "认定结果公示后，企业通过“西岗区惠企政策服务平台”确认开户信息即可，区科技和工业信息化局审核拨付。",
        KEJI, "高新技术企业,重新认定,奖励", (dict(HT, name="高新技术企业"),),
    ),
    Measure(
        "innovation", GAOQI, "第三条", "科技型中小企业入库奖励",
        "培育高新技术企业后备梯队，对首次通过科技型中小企业评价入库的企业给予奖励。",
        "职工总数不超过500人、年销售收入不超过2亿元，从事制造业、信息技术服务或科技服务，首次评价入库的企业。",
        "一次性奖励5万元；入库企业优先纳入高新技术企业培育库。",
        "企业在科技型中小企业服务平台完成评价入库后，向区科技和工业信息化局提交入库编号申领。",
        KEJI, "科技型中小企业,入库,培育",
        ({"name": "科技型中小企业", "industry_sections": ["C", "I", "M"], "employees_max": 500,
          "revenue_max": 20000},),
    ),
    Measure(
        "innovation", GAOQI, "第四条", "企业研发投入后补助",
        "引导企业加大研发投入，对研发费用较上年增长的企业按增量给予后补助。",
        "高新技术企业，以及研发费用占营业收入3%以上的规模以上工业、软件和信息技术服务、科技服务企业。",
        "按上年度研发费用增量的10%给予补助，单户企业最高100万元。",
        "每年6月申报，以企业所得税汇算清缴研发费用加计扣除数据为依据，提交专项审计报告。",
        KEJI, "研发投入,后补助,研发费用",
        (dict(HT, name="高新技术企业"),
         {"name": "规上工业、软件和科技服务企业", "above_scale": True, "industry_sections": ["C", "I", "M"]}),
    ),
    Measure(
        "innovation", GAOQI, "第六条", "科技成果转化奖励",
        "支持企业购买、引进高校和科研院所科技成果并在西岗区实现转化。",
        "在西岗区注册，通过技术合同登记购买高校、科研院所科技成果并实现产业化的制造业、信息技术或科技服务企业。",
        "按技术合同实际成交额的10%给予奖励，单户企业年度最高50万元。",
        "凭技术合同登记证明和付款凭证，于每年9月向区科技和工业信息化局申报。",
        KEJI, "科技成果转化,技术合同,产学研",
        ({"name": "制造、信息和科技服务企业", "industry_sections": ["C", "I", "M"]},),
    ),
    Measure(
        "innovation", GAOQI, "第七条", "企业技术中心认定奖励",
        "鼓励规模以上企业建立研发机构，对新认定的市级以上企业技术中心、工程研究中心给予奖励。",
        "规模以上的制造业、信息技术和科技服务企业，从业人员50人以上，新获批市级及以上企业技术中心或工程研究中心。",
        "国家级奖励100万元，省级奖励50万元，市级奖励20万元。",
        "获批文件下达后6个月内向区科技和工业信息化局申报。",
        KEJI, "企业技术中心,研发机构,认定奖励",
        ({"name": "规上研发型企业", "above_scale": True, "industry_sections": ["C", "I", "M"], "employees_min": 50},),
    ),
    Measure(
        "innovation", JIAJI, "", "研发费用税前加计扣除",
        "企业开展研发活动实际发生的研发费用，在据实扣除的基础上再按100%在税前加计扣除；形成无形资产的按200%摊销。",
        "会计核算健全、实行查账征收并能准确归集研发费用的居民企业；批发零售、住宿餐饮、房地产、租赁和商务服务等负面清单行业除外。",
        "未形成无形资产的研发费用按实际发生额的100%加计扣除；形成无形资产的按成本的200%摊销。",
        "企业在预缴申报和年度汇算清缴时自行判别、申报享受，研发支出辅助账等资料留存备查。",
        SHUIWU, "研发费用,加计扣除,税收优惠",
        ({"name": "非负面清单行业", "industry_sections": ["C", "D", "E", "G", "I", "M"]},),
    ),
    Measure(
        "innovation", SHUZI, "第一条", "企业数字化转型项目补助",
        "支持规模以上企业实施数字化车间、智能仓储、供应链数字化等转型项目。",
        "规模以上制造业、批发零售业和交通运输仓储业企业，项目总投资200万元以上。",
        "按项目软硬件投资额的20%给予补助，单个项目最高200万元。",
        "项目建成后向区数据局申报，提交项目验收报告和投资凭证（征求意见稿，以正式文件为准）。",
        SHUJU, "数字化转型,智能制造,征求意见",
        ({"name": "规上制造、商贸、物流企业", "above_scale": True, "industry_sections": ["C", "F", "G"]},),
    ),
    Measure(
        "innovation", SHUZI, "第三条", "人工智能应用场景开放奖励",
        "鼓励互联网和软件企业在政务、商贸、港航物流等领域开发人工智能应用场景。",
        "从事互联网和相关服务、软件和信息技术服务的企业，应用场景经区数据局评审入选。",
        "每个入选场景奖励30万元，单户企业年度最高100万元。",
        "按年度场景征集通知申报（征求意见稿，以正式文件为准）。",
        SHUJU, "人工智能,应用场景,数字经济", ({"name": "互联网和软件企业", "industry_divisions": ["64", "65"]},),
    ),
    # --- 人才引育 (7) ---------------------------------------------------------------------------
    Measure(
        "talent", RENCAI, "第一条", "高层次人才安家补贴",
        "对辖区重点企业新引进的高层次人才给予安家补贴，助力企业招才引智。",
        "高新技术企业和规模以上企业新引进、签订3年以上劳动合同并在西岗区缴纳社会保险的A至E类高层次人才。",
        "A类人才200万元、B类100万元、C类50万元、D类30万元、E类10万元，分3年拨付。",
        "企业在人才到岗满6个月后，通过“大连人才服务平台”提交人才分类认定结果和劳动合同。",
        RENCAIBAN, "高层次人才,安家补贴,招才引智", (dict(HT, name="高新技术企业"), dict(ABOVE, name="规上企业")),
    ),
    Measure(
        "talent", RENCAI, "第二条", "青年人才租房补贴",
        "吸引高校毕业生来西岗就业，对在辖区企业工作的青年人才给予租房补贴。",
        "毕业5年内、全日制本科及以上学历、在西岗区企业就业并缴纳社会保险、本人及配偶在大连无自有住房的青年人才。",
        "博士每月2000元、硕士每月1000元、本科每月600元，最长36个月。",
        "由用人企业每季度汇总申报，区人力资源和社会保障局核验社保后按月发放至个人账户。",
        RENSHE, "青年人才,租房补贴,高校毕业生", ({"name": "辖区各类企业"},),
    ),
    Measure(
        "talent", RENCAI, "第三条", "人才公寓",
        "在人民广场、白云等街道筹集人才公寓，优先保障重点企业引进人才的居住需求。",
        "高新技术企业，以及规模以上软件和信息技术服务、科技服务企业引进的高层次人才和急需紧缺人才。",
        "人才公寓免租金入住3年，拎包入住，配备基本家具家电。",
        "企业向区委组织部（人才办）提交入住申请，经资格审核后统筹分配房源。",
        RENCAIBAN, "人才公寓,住房保障,急需紧缺人才",
        (dict(HT, name="高新技术企业"),
         {"name": "规上软件和科技服务企业", "above_scale": True, "industry_sections": ["I", "M"]}),
    ),
    Measure(
        "talent", RENCAI, "第四条", "人才子女入学保障",
        "为重点企业引进人才的子女在西岗区义务教育阶段就近入学、转学提供保障。",
        "经认定的A至E类高层次人才，以及重点企业引进的急需紧缺人才，按“一事一议”确定。",
        "协调安排子女在区内公办义务教育学校就近入学或转学。",
        "企业向区委组织部（人才办）提交申请，会同区教育局统筹安排。",
        RENCAIBAN, "人才服务,子女入学,一事一议",
    ),
    Measure(
        "talent", RENCAI, "第五条", "博士后科研工作站建站资助",
        "支持规模以上企业设立博士后科研工作站（创新实践基地），引进培养高层次研发人才。",
        "从业人员100人以上的规模以上制造业、信息技术和科技服务企业，新设立国家级博士后科研工作站或省级博士后创新实践基地。",
        "国家级工作站一次性资助50万元，省级创新实践基地资助20万元；每进站1名博士后给予10万元日常经费。",
        "获批后向区人力资源和社会保障局申报，进站经费按年度核拨。",
        RENSHE, "博士后,工作站,研发人才",
        ({"name": "规上研发型企业", "above_scale": True, "industry_sections": ["C", "I", "M"], "employees_min": 100},),
    ),
    Measure(
        "talent", RENCAI, "第六条", "企业新型学徒制培训补贴",
        "支持企业与职业院校合作开展新型学徒制培训，培养技能人才。",
        "从业人员50人以上的制造业、建筑业和交通运输仓储业企业，组织新招用或转岗职工参加学徒制培训。",
        "按每人每年5000元标准给予培训补贴，培训期最长2年。",
        "企业与培训机构签订合作协议后备案，培训结束经考核合格后申领补贴。",
        RENSHE, "技能人才,新型学徒制,培训补贴",
        ({"name": "制造、建筑、物流企业", "industry_sections": ["C", "E", "G"], "employees_min": 50},),
    ),
    Measure(
        "talent", RENCAI, "第七条", "“西岗英才”评选奖励",
        "每两年评选一次“西岗英才”，表彰在辖区企业创新创业、经营管理和技能岗位作出突出贡献的人才。",
        "在西岗区企业工作满3年的经营管理、专业技术和高技能人才，由企业推荐、专家评审产生。",
        "每人奖励5万元，并在人才公寓、健康体检等方面享受服务保障。",
        "按评选通知由企业推荐申报。",
        RENCAIBAN, "西岗英才,人才评选,荣誉",
    ),
    # --- 产业发展 (9) ---------------------------------------------------------------------------
    Measure(
        "industry", QINGDAN, "第2项", "规上工业企业增产增效奖励",
        "稳定工业增长，对产值、营业收入实现增长的规模以上工业企业给予奖励。",
        "规模以上工业企业，上年度营业收入2000万元以上且同比增长，以区统计局统计数据为准。",
        "营业收入同比增长10%以上的，按增量的1%给予奖励，单户企业最高50万元。",
        FREE, GONGXIN, "规上工业,增产增效,免申即享",
        ({"name": "规上工业企业", "above_scale": True, "industry_sections": ["C"], "revenue_min": 2000},),
        no_application=True,
    ),
    Measure(
        "industry", QINGDAN, "第3项", "首次入规企业奖励",
        "鼓励企业做大规模，对上年度首次纳入规模以上统计的企业给予一次性奖励。",
        "上年度首次纳入规模以上工业、限额以上商贸或规模以上服务业统计的企业，以区统计局名单为准。",
        "一次性奖励10万元；次年继续在库的再奖励5万元。",
        FAST, GONGXIN, "首次入规,小升规,直达快享", direct_delivery=True,
    ),
    Measure(
        "industry", QINGDAN, "第4项", "规上服务业企业营收增长奖励",
        "支持信息技术、商务服务和科技服务等现代服务业企业做大做强。",
        "规模以上信息传输软件和信息技术服务、租赁和商务服务、科学研究和技术服务企业，上年度营业收入1000万元以上且同比增长15%以上。",
        "按营业收入增量的0.5%给予奖励，单户企业最高30万元。",
        FAST, GONGXIN, "现代服务业,营收增长,直达快享",
        ({"name": "规上现代服务业企业", "above_scale": True, "industry_sections": ["I", "L", "M"],
          "revenue_min": 1000},),
        direct_delivery=True,
    ),
    Measure(
        "industry", QINGDAN, "第5项", "软件和信息技术服务企业发展奖励",
        "推动软件和信息技术服务业高质量发展，对营业收入达到一定规模的软件企业给予奖励。",
        "软件和信息技术服务业企业，上年度营业收入2000万元以上，以统计和税务数据为准。",
        "营业收入首次突破2000万元、5000万元、1亿元的，分别奖励10万元、20万元、50万元。",
        FREE, GONGXIN, "软件和信息技术服务业,发展奖励,免申即享",
        ({"name": "软件和信息技术服务企业", "industry_divisions": ["65"], "revenue_min": 2000},),
        no_application=True, direct_delivery=True,
    ),
    Measure(
        "industry", LOUYU, "第一条", "新落户企业办公用房租金补贴",
        "吸引优质企业入驻辖区商务楼宇，对新落户企业租用办公用房给予租金补贴。",
        "近五年内新设立或从区外迁入西岗区，租用辖区商务楼宇办公、承诺10年内不迁离的企业。",
        "前三年分别按实际租金的50%、30%、20%给予补贴，单户企业年度最高100万元。",
        "企业落户后向区投资促进局申报，提交租赁合同、租金发票和纳税证明。",
        TOUCU, "楼宇经济,租金补贴,招商引资", (founded_within(5) | {"name": "新落户企业"},),
    ),
    Measure(
        "industry", LOUYU, "第二条", "总部企业落户奖励",
        "支持企业在西岗区设立总部或区域总部，集聚总部经济。",
        "在西岗区新设立或迁入的企业总部、区域总部，上年度营业收入2亿元以上。",
        "按实缴注册资本的1%给予落户奖励，最高1000万元；总部办公用房购置补贴按“一事一议”确定。",
        "经区投资促进局认定为总部企业后申报，重大事项提请区政府专题研究。",
        TOUCU, "总部经济,落户奖励,一事一议",
        ({"name": "总部企业", "above_scale": True, "revenue_min": 20000},),
    ),
    Measure(
        "industry", LOUYU, "第四条", "专业服务业发展奖励",
        "支持法律、会计、咨询、工程设计等专业服务机构集聚发展。",
        "商务服务业和专业技术服务业企业，上年度营业收入1000万元以上。",
        "营业收入同比增长20%以上的，按增量的1%给予奖励，单户企业最高50万元。",
        "每年5月向区投资促进局申报，提交年度审计报告。",
        TOUCU, "专业服务业,商务服务,发展奖励",
        ({"name": "商务和专业技术服务企业", "industry_divisions": ["72", "74"], "revenue_min": 1000},),
    ),
    Measure(
        "industry", LOUYU, "第五条", "港航物流企业发展奖励",
        "发挥香炉礁、站北地区临港区位优势，支持航运、货运代理和冷链物流企业做大业务规模。",
        "注册和经营地址在香炉礁街道或站北街道的交通运输、仓储和邮政业企业。",
        "营业收入首次突破5000万元、1亿元、5亿元的，分别奖励20万元、50万元、100万元。",
        "每年5月向区投资促进局申报，提交年度审计报告和纳税证明。",
        TOUCU, "港航物流,临港经济,发展奖励",
        ({"name": "临港物流企业", "industry_sections": ["G"], "streets": ("香炉礁街道", "站北街道")},),
    ),
    Measure(
        "industry", LOUYU, "第六条", "山海文旅融合项目扶持",
        "支持白云街道山海资源开发，对住宿餐饮、文化旅游企业新建或改造的文旅项目给予扶持。",
        "注册和经营地址在白云街道的住宿餐饮业和文化、体育和娱乐业企业，项目投资100万元以上。",
        "按项目实际投资额的10%给予补助，单个项目最高100万元。",
        "项目竣工运营后向区文化和旅游局申报，提交投资审计报告。",
        WENLV, "文旅融合,白云街道,项目扶持",
        ({"name": "白云街道文旅企业", "industry_sections": ["H", "R"], "streets": ("白云街道",)},),
    ),
    # --- 市场开拓 (7) ---------------------------------------------------------------------------
    Measure(
        "market", SHANGMAO, "第一条", "限上商贸企业入库奖励",
        "鼓励商贸企业升级入统，对新纳入限额以上统计的批发、零售、住宿和餐饮企业给予奖励。",
        "上年度新纳入限额以上统计的批发业、零售业、住宿业和餐饮业企业。",
        "一次性奖励5万元。",
        "由区统计局提供名单，企业向区商务局确认开户信息后拨付。",
        SHANGWU, "限上企业,入统,商贸流通",
        ({"name": "限上商贸企业", "above_scale": True, "industry_sections": ["F", "H"]},),
    ),
    Measure(
        "market", SHANGMAO, "第二条", "批发企业销售额增长奖励",
        "支持大宗商品贸易和供应链企业做大交易规模。",
        "限额以上批发企业，上年度销售额2亿元以上且同比增长10%以上。",
        "按销售额增量的0.1%给予奖励，单户企业最高100万元。",
        "每年4月向区商务局申报，以统计联网直报数据为准。",
        SHANGWU, "批发业,销售额,大宗商品",
        ({"name": "限上批发企业", "above_scale": True, "industry_divisions": ["51"], "revenue_min": 20000},),
    ),
    Measure(
        "market", SHANGMAO, "第三条", "境内外重点展会参展补贴",
        "支持企业参加东北亚国际博览会、中国国际进口博览会等重点展会，开拓国内外市场。",
        "参加区商务局年度重点展会目录内展会的制造业、批发零售业和软件企业。",
        "按展位费的50%给予补贴，单户企业年度最高10万元。",
        "展会结束后3个月内向区商务局申报，提交参展合同、展位费发票和现场照片。",
        SHANGWU, "展会,参展补贴,市场开拓", ({"name": "制造、商贸和软件企业", "industry_sections": ["C", "F", "I"]},),
    ),
    Measure(
        "market", SHANGMAO, "第四条", "出口信用保险保费补贴",
        "鼓励外贸企业运用出口信用保险防范收汇风险。",
        "有进出口实绩、投保短期出口信用保险的制造业和批发企业。",
        "按实缴保费的50%给予补贴，单户企业年度最高20万元。",
        "每年3月向区商务局申报，提交保单和保费发票。",
        WAIMAO, "外贸,出口信用保险,保费补贴", ({"name": "外贸企业", "industry_sections": ["C", "F"]},),
    ),
    Measure(
        "market", SHANGMAO, "第五条", "东关街历史文化街区商户入驻扶持",
        "推动东关街百年老街蝶变新生，对集中入驻街区的商贸、餐饮和文创商户给予扶持，设立现场办公点一对一指导开办。",
        "注册和经营地址在八一路街道东关街街区的零售、餐饮、住宿和文化创意企业。",
        "前两年按实际租金的50%给予补贴，单户年度最高10万元；开办登记全程帮办代办。",
        "到东关街街区现场办公点提出申请，或由八一路街道营商服务中心上门受理。",
        SHANGWU, "东关街,街区商户,租金补贴",
        ({"name": "东关街街区商户", "industry_sections": ["F", "H", "R"], "streets": ("八一路街道",)},),
    ),
    Measure(
        "market", SHANGMAO, "第六条", "老字号和特色品牌企业认定奖励",
        "传承老字号品牌，支持老字号企业创新发展。",
        "成立30年以上、新获得“中华老字号”或“辽宁老字号”认定的批发零售、住宿餐饮企业。",
        "获“中华老字号”认定的奖励30万元，获“辽宁老字号”认定的奖励10万元。",
        "认定文件下达后向区商务局申报。",
        SHANGWU, "老字号,品牌,认定奖励",
        (founded_years_ago(30) | {"name": "商贸和餐饮老字号", "industry_sections": ["F", "H"]},),
    ),
    Measure(
        "market", XIAOFEI, "第三条", "消费券活动商户补贴",
        "组织发放政府消费券，对参与活动的零售、餐饮商户按核销额给予补贴。",
        "参与消费券活动的零售、住宿和餐饮企业。",
        "按消费券核销金额的10%给予商户补贴。",
        "活动结束后由支付平台汇总核销数据，区商务局审核后拨付。",
        SHANGWU, "消费券,促消费,零售餐饮", ({"name": "零售和餐饮企业", "industry_sections": ["F", "H"]},),
    ),
    # --- 稳岗就业 (7) ---------------------------------------------------------------------------
    Measure(
        "employment", QINGDAN, "第1项", "失业保险稳岗返还",
        "对不裁员或少裁员的参保企业返还部分失业保险费，支持企业稳定岗位。",
        "足额缴纳失业保险费12个月以上、上年度未裁员或裁员率不高于5.5%（30人以下企业不高于20%）的企业；本清单面向辖区规模以上企业。",
        "大型企业按上年度实际缴纳失业保险费的30%返还，中小微企业按60%返还。",
        FREE, RENSHE, "稳岗返还,失业保险,免申即享", (dict(ABOVE, name="规上企业"),),
        no_application=True,
    ),
    Measure(
        "employment", QINGDAN, "第6项", "一次性扩岗补助",
        "对招用高校毕业生的企业给予一次性扩岗补助，鼓励企业吸纳青年就业。",
        "招用毕业年度及离校2年内未就业高校毕业生，签订1年以上劳动合同并为其足额缴纳失业保险费1个月以上的企业。",
        "按每招用1人1500元的标准给予一次性补助。",
        FAST, RENSHE, "扩岗补助,高校毕业生,直达快享", direct_delivery=True,
    ),
    Measure(
        "employment", QINGDAN, "第8项", "残疾人就业保障金免征",
        "减轻小微企业负担，在职职工总数30人（含）以下的企业暂免征收残疾人就业保障金。",
        "在职职工总数30人（含）以下的企业，由税务系统按社保参保人数自动识别。",
        "免缴残疾人就业保障金。",
        "免申即享：申报时系统自动免征，企业无需申请。",
        CANLIAN, "残保金,小微企业,免申即享", ({"name": "30人以下企业", "employees_max": 30},),
        no_application=True,
    ),
    Measure(
        "employment", WENGANG, "第二条", "吸纳就业困难人员社会保险补贴",
        "鼓励企业吸纳就业困难人员和离校未就业高校毕业生，给予社会保险补贴。",
        "招用就业困难人员并签订1年以上劳动合同、按规定缴纳社会保险费的企业。",
        "按企业为其实际缴纳的基本养老、基本医疗和失业保险费给予补贴，期限最长3年。",
        "企业每半年向区人力资源和社会保障局申报，提交劳动合同和缴费凭证。",
        RENSHE, "就业困难人员,社保补贴,吸纳就业", ({"name": "辖区各类企业"},),
    ),
    Measure(
        "employment", WENGANG, "第三条", "职工职业技能提升补贴",
        "支持企业组织职工参加职业技能培训和等级认定。",
        "从业人员50人以上、组织职工参加职业技能等级认定并取得证书的企业。",
        "初级工1000元、中级工1500元、高级工2000元、技师3000元每人。",
        "取得证书后12个月内由企业向区人力资源和社会保障局申报。",
        RENSHE, "技能提升,职业培训,补贴", ({"name": "50人以上企业", "employees_min": 50},),
    ),
    Measure(
        "employment", WENGANG, "第五条", "创业担保贷款贴息",
        "支持小微企业创业发展和吸纳就业，对符合条件的小微企业创业担保贷款给予贴息。",
        "当年新招用符合条件人员达到现有在职职工人数15%（超过100人的企业达到8%）、从业人员300人以下的小微企业。",
        "贷款额度最高300万元，期限不超过2年，按贷款市场报价利率减150个基点以内的部分由财政贴息。",
        "企业向经办银行提出申请，区人力资源和社会保障局审核就业条件后由担保机构出具担保。",
        RENSHE, "创业担保贷款,贴息,小微企业", ({"name": "小微企业", "employees_max": 300},),
    ),
    Measure(
        "employment", YIGONG, "第四条", "以工代训补贴",
        "对受疫情影响企业组织职工以工代训给予补贴，稳定就业岗位。",
        "吸纳就业困难人员、离校2年内高校毕业生就业，或受疫情影响停工停业期间组织职工以工代训的住宿餐饮、批发零售和居民服务企业。",
        "按每人每月500元标准给予补贴，最长6个月。",
        "企业按季度向区人力资源和社会保障局申报。",
        RENSHE, "以工代训,稳岗,疫情", ({"name": "服务业企业", "industry_sections": ["F", "H", "O"]},),
    ),
    # --- 政务服务与营商环境 (6) -----------------------------------------------------------------
    Measure(
        "services", YINGSHANG, "第一条", "“综合窗口”一窗通办",
        "将367项依申请政务服务事项纳入“综合窗口”，实现“前台综合受理、后台分类办理、统一窗口出件”。",
        "在西岗区办理政务服务事项的各类企业和群众。",
        "“全科无差别综合窗口”和“分领域综合窗口”一窗受理，减少排队和多头跑。",
        "到区政务服务中心任一综合窗口办理，或通过“一网通办”在线申报。",
        YINGSHANGJU, "综合窗口,一网通办,政务服务", ({"name": "辖区各类企业"},),
    ),
    Measure(
        "services", YINGSHANG, "第二条", "外资企业帮办代办",
        "在区政务服务中心设置外资企业帮办代办窗口，为外资企业提供设立、变更和政策咨询全程服务。",
        "在西岗区投资经营的外商投资企业和港澳台商投资企业。",
        "专人全程帮办代办，外资企业设立登记1个工作日办结。",
        "到区政务服务中心外资企业帮办代办窗口或致电预约。",
        YINGSHANGJU, "外资企业,帮办代办,政务服务", ({"name": "外资和港澳台资企业", "ownerships": ["foreign", "hmt"]},),
    ),
    Measure(
        "services", YINGSHANG, "第三条", "企业开办“一日办结”",
        "企业开办营业执照、公章刻制、发票申领和社保登记“一表申请、一日办结”，免费刻制首套印章。",
        "在西岗区新开办的各类企业。",
        "1个工作日内办结开办全部事项，免费刻制公章、财务章、发票专用章等首套印章。",
        "通过辽宁省企业开办“一网通办”平台申报，或到区政务服务中心企业开办专区办理。",
        YINGSHANGJU, "企业开办,一日办结,免费刻章",
    ),
    Measure(
        "services", YINGSHANG, "第四条", "“高效办成一件事”涉企事项集成办",
        "围绕企业信息变更、开餐馆、开便利店等高频事项推行“一件事一次办”，线下“只进一门”，线上“一网通办”。",
        "办理“一件事”清单内事项的企业。",
        "申请材料压减50%以上，办理时限压缩60%以上。",
        "通过“辽事通”APP、“一网通办”平台或区政务服务中心“一件事”专窗办理。",
        YINGSHANGJU, "高效办成一件事,一网通办,集成办", ({"name": "辖区各类企业"},),
    ),
    Measure(
        "services", YINGSHANG, "第五条", "“金融服务专区”一站式融资服务",
        "在区政务服务中心设立“金融服务专区”，汇集合作银行、担保机构和区级首贷服务中心，为企业提供融资咨询和对接。",
        "有融资需求的辖区企业。",
        "融资需求“一次提交、多家响应”，首贷、续贷、担保等业务一站办理。",
        "到区政务服务中心“金融服务专区”现场咨询，或通过联系干部提交融资需求。",
        JINRONGZX, "金融服务专区,融资对接,首贷服务中心",
    ),
    Measure(
        "services", YINGSHANG, "第六条", "“政企直通车”诉求直达",
        "区级领导干部带领职能部门和属地街道深入重点项目和企业现场办公，面对面解决企业诉求。",
        "辖区各类企业和在建重点项目。",
        "诉求现场登记、限时办结，办理结果向企业反馈并回访。",
        "由联系干部或属地街道报名，区工作专班统筹安排活动场次。",
        YINGSHANGJU, "政企直通车,诉求办理,现场办公", ({"name": "辖区各类企业"},),
    ),
)

TITLES = tuple(m.title for m in MEASURES)

# The beneficiary lists the task force generated: (title, days ago, delivered, informed, declined shares).
DELIVERY_RUNS = (
    (next(m.title for m in MEASURES if m.name == "失业保险稳岗返还"), 40, 0.55, 0.25, 0.01),
    (next(m.title for m in MEASURES if m.name == "高新技术企业首次认定奖励"), 18, 0.30, 0.30, 0.0),
    (next(m.title for m in MEASURES if m.name == "规上工业企业增产增效奖励"), 5, 0.0, 0.20, 0.0),
)
DELIVERED_NOTES = (
    "资金已拨付至企业基本账户，企业财务负责人已确认到账。",
    "已告知企业，资金已到账。",
    "企业已确认收到拨付资金。",
)
INFORMED_NOTES = ("已向企业负责人解读政策，待资金拨付。", "已电话告知企业财务负责人，等待主管部门拨付。", "")
DECLINED_NOTES = ("企业表示已享受市级同类政策，按“就高不重复”原则自愿放弃。",)


# --- Building -------------------------------------------------------------------------------


@dataclass
class PoliciesResult:
    policies: int = 0
    rule_groups: int = 0
    deliveries: int = 0
    scans: int = 0
    by_status: Counter = field(default_factory=Counter)
    delivery_status: Counter = field(default_factory=Counter)

    @property
    def summary(self) -> str:
        s, d = self.by_status, self.delivery_status
        return (
            f"{s[PolicyStatus.PUBLISHED]} published, {s[PolicyStatus.EXPIRED]} expired, "
            f"{s[PolicyStatus.DRAFT]} drafts; "
            f"{self.rule_groups} rule groups; {self.deliveries} deliveries ({d[DeliveryStatus.DELIVERED]} delivered, "
            f"{d[DeliveryStatus.INFORMED]} informed, {d[DeliveryStatus.PENDING]} pending, "
            f"{d[DeliveryStatus.DECLINED]} declined); {self.scans} days of QR scans"
        )


def demo_policies_exist() -> bool:
    return Policy.objects.filter(title__in=TITLES).count() >= len(TITLES)


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _dates(doc: Document, rng: random.Random, today: date) -> tuple[date | None, date | None]:
    if doc.fixed is not None:
        return doc.fixed
    if doc.draft:
        return None, None
    issued = today - timedelta(days=doc.days_ago + rng.randint(0, 20))
    if doc.years is None:
        return issued, None
    return issued, _shift_years(issued, doc.years) - timedelta(days=1)


def _rule_group(policy: Policy, spec: dict, streets: dict[str, Unit], today: date) -> tuple[RuleGroup, list[Unit]]:
    fields = dict(spec)
    names = fields.pop("streets", ())
    within, age = fields.pop("founded_within", None), fields.pop("founded_years_ago", None)
    if within is not None:
        fields["founded_year_min"] = today.year - within
    if age is not None:
        fields["founded_year_max"] = today.year - age
    return RuleGroup(policy=policy, **fields), [streets[name] for name in names]


def _plan_policy(measure: Measure, index: int, seed: int, today: date, categories, phones) -> Policy:
    doc = measure.doc
    rng = random.Random(f"{seed}:policy-dates:{doc.title or doc.number}")
    start, end = _dates(doc, rng, today)
    if doc.draft:
        status = PolicyStatus.DRAFT
    elif end is not None and end < today:
        status = PolicyStatus.EXPIRED
    else:
        status = PolicyStatus.PUBLISHED
    number = doc.number.format(year=start.year) if start and "{year}" in doc.number else doc.number
    body = [f"{doc.title}{measure.article}" if doc.title else number, measure.summary,
            f"支持对象：{measure.eligibility}", f"支持标准：{measure.benefit}", f"办理方式：{measure.how}"]
    policy = Policy(
        title=measure.title,
        doc_number=number,
        issuer=doc.issuer,
        category=categories[measure.category],
        summary=measure.summary,
        full_text="\n\n".join(part for part in body if part),
        eligibility_text=measure.eligibility,
        benefit=measure.benefit,
        how_to_apply=measure.how,
        contact=f"{measure.office}，{phones[measure.office]}",
        effective_from=start,
        effective_to=end,
        status=status,
        no_application=measure.no_application,
        direct_delivery=measure.direct_delivery,
        tags=measure.tags,
    )
    if status != PolicyStatus.DRAFT:
        # Published on the day of issue; national documents when the district added them to the catalogue.
        published = start if doc.fixed is None else max(start, today - timedelta(days=500))
        policy.published_at = _aware(published, 9 + index % 8, (index * 7) % 60)
    return policy


def _ensure_categories() -> dict[str, PolicyCategory]:
    categories = {c.code: c for c in PolicyCategory.objects.filter(code__in=[code for code, _ in CATEGORIES])}
    for order, (code, name) in enumerate(CATEGORIES):
        if code not in categories:
            categories[code], _created = PolicyCategory.objects.get_or_create(
                code=code, defaults={"name": name, "order": order}
            )
    return categories


def _phones(seed: int) -> dict[str, str]:
    rng = random.Random(f"{seed}:policy-phones")
    offices = sorted({m.office for m in MEASURES})
    numbers = rng.sample(range(10**6, 10**7), len(offices))
    return {office: f"0411-8{number:07d}" for office, number in zip(offices, numbers, strict=True)}


def demo_policies_build(
    *, seed: int, today: date, credit_codes: list[str], taskforce: User, reporter: Reporter
) -> PoliciesResult:
    """Write the measures not stored yet (by title), then the deliveries and scans of those written now."""
    result = PoliciesResult()
    categories = _ensure_categories()
    streets = {u.name: u for u in Unit.objects.filter(kind=UnitKind.STREET)}
    stored = set(Policy.objects.filter(title__in=TITLES).values_list("title", flat=True))
    phones = _phones(seed)
    created: dict[str, Policy] = {}
    missing = [(i, m) for i, m in enumerate(MEASURES) if m.title not in stored]
    reporter.progress("policies", 0, len(missing))
    for done, (index, measure) in enumerate(missing, 1):
        policy = _plan_policy(measure, index, seed, today, categories, phones)
        services.policy_save(policy=policy, acting_user=taskforce)
        for spec in measure.rules:
            if any(name not in streets for name in spec.get("streets", ())):
                continue  # the district has no such street office: leave the street-bound way out
            group, group_streets = _rule_group(policy, spec, streets, today)
            services.rule_group_save(group=group, acting_user=taskforce, streets=group_streets or None)
            result.rule_groups += 1
        created[measure.title] = policy
        result.by_status[policy.status] += 1
        reporter.progress("policies", done, len(missing))
    result.policies = len(created)
    # created_at and updated_at are auto_now(_add): the catalogue has been kept since the measures came out.
    for policy in created.values():
        policy.created_at = policy.updated_at = policy.published_at or _aware(today - timedelta(days=3), 10)
    Policy.objects.bulk_update(list(created.values()), ["created_at", "updated_at"], batch_size=CHUNK)

    enterprises = Enterprise.objects.filter(credit_code__in=credit_codes)
    for title, days_ago, delivered, informed, declined in DELIVERY_RUNS:
        if title in created and created[title].status == PolicyStatus.PUBLISHED:
            _deliveries(created[title], seed, today, days_ago, (delivered, informed, declined), enterprises,
                        taskforce, result, reporter)
    result.scans = _scans([p for p in created.values() if p.status == PolicyStatus.PUBLISHED], seed, today)
    return result


def _deliveries(policy, seed, today, days_ago, shares, enterprises, taskforce, result, reporter) -> None:
    """The beneficiary list as delivery_generate makes it, generated `days_ago`, and what came of it since."""
    rng = random.Random(f"{seed}:deliveries:{policy.title}")
    policy = eligibility.with_rules(Policy.objects.filter(pk=policy.pk)).get()
    eligible = list(
        eligibility.eligible_enterprises(policy, enterprises=enterprises).order_by("credit_code").values_list(
            "pk", flat=True
        )
    )
    pairings = {
        a.enterprise_id: a
        for a in Assignment.objects.active().filter(enterprise_id__in=eligible).select_related("cadre__user")
    }
    generated = _aware(today - timedelta(days=days_ago), 10, 30)
    visits = {}
    for visit in Visit.objects.filter(
        assignment__in=[a.pk for a in pairings.values()], date__gte=generated.date(), date__lte=today
    ).order_by("date", "pk"):
        visits.setdefault(visit.enterprise_id, visit)
    delivered, informed, declined = shares
    deliveries, explained = [], []
    for enterprise_id in eligible:
        pairing = pairings.get(enterprise_id)
        cadre = pairing.cadre if pairing else None
        roll = rng.random()
        demo_cadre = cadre is not None and cadre.user is not None and cadre.user.username == "cadre"
        if cadre is None or demo_cadre:
            status = DeliveryStatus.PENDING  # the demo cadre has one to bring on their home page
        elif roll < declined:
            status = DeliveryStatus.DECLINED
        elif roll < declined + delivered:
            status = DeliveryStatus.DELIVERED
        elif roll < declined + delivered + informed:
            status = DeliveryStatus.INFORMED
        else:
            status = DeliveryStatus.PENDING
        delivery = Delivery(policy=policy, enterprise_id=enterprise_id, cadre=cadre, status=status)
        if status == DeliveryStatus.PENDING:
            delivery.updated_at = generated
        else:
            visit = visits.get(enterprise_id)
            if visit is not None:
                delivery.visit = visit
                explained.append(visit.pk)
                told = visit.date
            else:
                told = generated.date() + timedelta(days=rng.randint(1, max(1, days_ago - 1)))
            notes = {DeliveryStatus.DELIVERED: DELIVERED_NOTES, DeliveryStatus.INFORMED: INFORMED_NOTES,
                     DeliveryStatus.DECLINED: DECLINED_NOTES}[status]
            delivery.note = rng.choice(notes)
            done = told + timedelta(days=rng.randint(1, 7)) if status == DeliveryStatus.DELIVERED else told
            delivery.updated_at = _aware(min(done, today), 15, rng.randint(0, 59))
        deliveries.append(delivery)
        result.delivery_status[status] += 1
    updated = {id(d): d.updated_at for d in deliveries}
    written = []
    reporter.progress("deliveries", 0, len(deliveries))
    for start in range(0, len(deliveries), CHUNK):
        chunk = deliveries[start : start + CHUNK]
        written += bulk_create_with_history(chunk, Delivery, batch_size=CHUNK, default_user=taskforce,
                                            default_date=generated)
        reporter.progress("deliveries", len(written), len(deliveries))
    for delivery in deliveries:
        delivery.created_at, delivery.updated_at = generated, updated[id(delivery)]
    Delivery.objects.bulk_update(deliveries, ["created_at", "updated_at"], batch_size=CHUNK)
    through = Visit.policies_explained.through
    through.objects.bulk_create(
        [through(visit_id=pk, policy_id=policy.pk) for pk in sorted(set(explained))], ignore_conflicts=True
    )
    result.deliveries += len(deliveries)


def _scans(policies: list[Policy], seed: int, today: date) -> int:
    """Daily QR-code openings over the last 30 days: the no-application measures and a few others are popular."""
    rng = random.Random(f"{seed}:policy-scans")
    rows = []
    for policy in sorted(policies, key=lambda p: p.title):
        popular = policy.no_application or policy.direct_delivery or rng.random() < 0.25
        chance, most = (0.75, 18) if popular else (0.3, 4)
        for days_ago in range(30, -1, -1):
            day = today - timedelta(days=days_ago)
            weekday_chance = chance if day.weekday() < 5 else chance / 3
            if policy.published_at and day < timezone.localdate(policy.published_at):
                continue
            if rng.random() < weekday_chance:
                rows.append(PolicyScan(policy=policy, day=day, count=rng.randint(1, most)))
    PolicyScan.objects.bulk_create(rows, batch_size=CHUNK)
    return len(rows)


# --- Deleting -------------------------------------------------------------------------------


def demo_policies_delete(*, enterprise_ids: list[int], cadre_ids: list[int], reporter: Reporter) -> Counter:
    """Delete the demo's measures (found by title, whatever seed built them) with their rule groups and
    scans, and every delivery of those measures or of the demo's enterprises and cadres; history too."""
    deleted: Counter = Counter()
    policy_ids = list(Policy.objects.filter(title__in=TITLES).values_list("pk", flat=True))
    deliveries = Delivery.objects.filter(
        Q(policy__in=policy_ids) | Q(enterprise__in=enterprise_ids) | Q(cadre__in=cadre_ids)
    )
    delivery_ids = list(deliveries.values_list("pk", flat=True))
    reporter.stage(f"Deleting {len(delivery_ids)} deliveries and {len(policy_ids)} policies")
    for start in range(0, len(delivery_ids), 2000):
        chunk = delivery_ids[start : start + 2000]
        Delivery.objects.filter(pk__in=chunk).delete()
        Delivery.history.filter(id__in=chunk).delete()
    deleted["deliveries"] = len(delivery_ids)
    group_ids = list(RuleGroup.objects.filter(policy__in=policy_ids).values_list("pk", flat=True))
    for policy in Policy.objects.filter(pk__in=policy_ids).prefetch_related("attachments"):
        for attachment in policy.attachments.all():
            attachment.file.delete(save=False)
    # Their pushes (outreach) hold on to them.
    from outreach.models import PolicyPush

    PolicyPush.objects.filter(policy__in=policy_ids).delete()
    Policy.objects.filter(pk__in=policy_ids).delete()  # rule groups, scans, attachments and visit links go too
    # Deleting writes a last history record of each policy and group: the history goes after the rows.
    # A group's streets history points at the group's history without a constraint: it goes first.
    apps.get_model("policies", "HistoricalRuleGroup_streets").objects.filter(rulegroup_id__in=group_ids).delete()
    RuleGroup.history.filter(id__in=group_ids).delete()
    Policy.history.filter(id__in=policy_ids).delete()
    deleted["policies"] = len(policy_ids)
    return deleted
