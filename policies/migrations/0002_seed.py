from django.db import migrations

CATEGORIES = [
    ("finance", "财税金融支持"),
    ("innovation", "科技创新"),
    ("talent", "人才引育"),
    ("industry", "产业发展"),
    ("market", "市场开拓"),
    ("employment", "稳岗就业"),
    ("services", "政务服务与营商环境"),
]
SECTIONS = [
    ("profile", "区情简介", "（请在此填写本区区情简介：地理位置、人口、产业结构、重点园区与发展方向。）"),
    ("howto", "入企工作操作指引",
     "一、每月至少联系服务结对企业1次，走访后及时在平台登记。\n\n"
     "二、企业反映的问题当场登记为诉求；个人能解决的及时办结，需要单位协调的上报本单位，仍需协调的上报区工作专班。\n\n"
     "三、向企业宣讲惠企政策时，可扫描本手册中的二维码，在手机上打开政策全文。\n\n"
     "四、诉求办结后请企业评价；企业不满意的，诉求将重新办理。"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("policies", "PolicyCategory")
    Section = apps.get_model("policies", "HandbookSection")
    for order, (code, name) in enumerate(CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for order, (key, title, body) in enumerate(SECTIONS):
        Section.objects.get_or_create(key=key, defaults={"title": title, "body": body, "order": order})


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
