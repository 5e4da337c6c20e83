"""The audit log as an Excel workbook (the same filters as the page)."""

from django.utils import timezone

from liaison.exports import Column, ExportFile, write_workbook

COLUMNS = [
    Column("时间", 20),
    Column("类型", 14),
    Column("用户", 16),
    Column("地址", 16),
    Column("内容", 50),
    Column("路径", 30),
    Column("详情", 50),
]


def audit_export(events) -> ExportFile:
    import json

    def rows():
        for event in events.iterator(chunk_size=1000):
            yield [
                timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                event.get_kind_display(),
                event.username,
                event.address or "",
                event.summary,
                event.path,
                json.dumps(event.detail, ensure_ascii=False) if event.detail else "",
            ]

    file, count = write_workbook(title="审计日志", columns=COLUMNS, rows=rows())
    return ExportFile(file=file, filename=f"审计日志-{timezone.localdate():%Y%m%d}.xlsx", rows=count)
