from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from liaison.admin import NoDeleteMixin
from meetings.models import Countermeasure, Meeting, MeetingEnterprise, MeetingIssue


class MeetingEnterpriseInline(admin.TabularInline):
    model = MeetingEnterprise
    extra = 0
    autocomplete_fields = ["enterprise"]


@admin.register(Meeting)
class MeetingAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["date", "title", "kind", "chair", "withdrawn_at"]
    list_filter = ["kind", ("withdrawn_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["withdrawn_at", "withdrawn_by", "withdrawal_reason"]
    actions = ["withdraw"]
    search_fields = ["title"]
    filter_horizontal = ["participants"]
    inlines = [MeetingEnterpriseInline]

    def get_queryset(self, request):
        # The admin lists withdrawn meetings too (filter "withdrawn at"); every other list leaves them out.
        return Meeting.all_objects.select_related("chair")

    @admin.action(description=_("Withdraw the selected meetings"))
    def withdraw(self, request, queryset):
        from meetings.services import meeting_withdraw

        done = 0
        for meeting in queryset.filter(withdrawn_at__isnull=True):
            try:
                meeting_withdraw(meeting_id=meeting.pk, acting_user=request.user, reason=_("Withdrawn in the admin."))
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{meeting}: {' '.join(getattr(exc, 'messages', [str(exc)]))}",
                                  messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(count)d meetings withdrawn.") % {"count": done}, messages.SUCCESS)




class MeetingRecordAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    pass


admin.site.register(MeetingIssue, MeetingRecordAdmin)
admin.site.register(Countermeasure, MeetingRecordAdmin)
