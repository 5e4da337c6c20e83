from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from liaison.admin import NoDeleteMixin
from meetings.models import Countermeasure, Meeting, MeetingEnterprise, MeetingIssue


class MeetingEnterpriseInline(admin.TabularInline):
    model = MeetingEnterprise
    extra = 0
    autocomplete_fields = ["enterprise"]


@admin.register(Meeting)
class MeetingAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["date", "title", "kind", "chair"]
    list_filter = ["kind"]
    search_fields = ["title"]
    filter_horizontal = ["participants"]
    inlines = [MeetingEnterpriseInline]




class MeetingRecordAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    pass


admin.site.register(MeetingIssue, MeetingRecordAdmin)
admin.site.register(Countermeasure, MeetingRecordAdmin)
