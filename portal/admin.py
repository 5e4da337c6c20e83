"""The enterprise pages' records in the admin, to read: cards are issued, issued again and revoked on the
enterprise's page (portal.services), which log who and when; nothing here changes or deletes them."""

from django.contrib import admin

from portal.models import ContactAccess, EnterpriseContact, EnterpriseNotice


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EnterpriseContact)
class EnterpriseContactAdmin(ReadOnlyAdmin):
    list_display = ["name", "enterprise", "issued_by", "issued_at", "expires_at", "revoked_at", "last_seen_at"]
    list_select_related = ["enterprise", "issued_by"]
    search_fields = ["name", "phone", "enterprise__name"]
    exclude = ["secret", "code_digest"]
    raw_id_fields = ["enterprise", "issued_by", "revoked_by"]


@admin.register(ContactAccess)
class ContactAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "contact", "enterprise", "user", "address", "path"]
    list_filter = ["kind"]
    list_select_related = ["contact", "enterprise", "user"]
    search_fields = ["enterprise__name", "contact__name", "address"]
    raw_id_fields = ["contact", "enterprise", "user"]


@admin.register(EnterpriseNotice)
class EnterpriseNoticeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "enterprise", "kind", "title", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["enterprise"]
    search_fields = ["enterprise__name", "title", "key"]
    raw_id_fields = ["enterprise"]
