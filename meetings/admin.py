from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from meetings.models import Countermeasure, Meeting, MeetingEnterprise, MeetingIssue


class MeetingEnterpriseInline(admin.TabularInline):
    model = MeetingEnterprise
    extra = 0
    autocomplete_fields = ["enterprise"]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["date", "title", "kind", "chair"]
    list_filter = ["kind"]
    search_fields = ["title"]
    filter_horizontal = ["participants"]
    inlines = [MeetingEnterpriseInline]


admin.site.register(MeetingIssue, SimpleHistoryAdmin)
admin.site.register(Countermeasure, SimpleHistoryAdmin)
