import os

from django import forms
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from simple_history.admin import SimpleHistoryAdmin

from liaison.admin import NoDeleteMixin
from liaison.uploads import validate_attachment
from policies.models import Delivery, HandbookSection, Policy, PolicyAttachment, PolicyCategory, PolicyScan, RuleGroup


@admin.register(PolicyCategory)
class PolicyCategoryAdmin(SimpleHistoryAdmin):
    list_display = ("name", "code", "order")


class RuleGroupInline(admin.StackedInline):
    model = RuleGroup
    extra = 0
    filter_horizontal = ("streets",)


class PolicyAttachmentForm(forms.ModelForm):
    """A source document goes through the same checks as visit and appeal attachments (real type, size,
    images re-encoded, no scripted PDF); name, size and type are taken from the file."""

    class Meta:
        model = PolicyAttachment
        fields = ["file"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload  # unchanged
        content_type = validate_attachment(upload)
        sanitised = getattr(upload, "sanitised_content", None)
        cleaned = ContentFile(sanitised, name=upload.name) if sanitised is not None else upload
        self.instance.name = os.path.basename(upload.name)[:200]
        self.instance.size, self.instance.content_type = cleaned.size, content_type
        return cleaned


class PolicyAttachmentInline(admin.TabularInline):
    model = PolicyAttachment
    form = PolicyAttachmentForm
    extra = 0
    readonly_fields = ["name", "size", "content_type"]


@admin.register(Policy)
class PolicyAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("title", "doc_number", "category", "status", "effective_to", "no_application", "direct_delivery")
    list_filter = ("status", "category", "no_application", "direct_delivery")
    search_fields = ("title", "doc_number", "summary", "tags")
    inlines = [RuleGroupInline, PolicyAttachmentInline]


@admin.register(HandbookSection)
class HandbookSectionAdmin(SimpleHistoryAdmin):
    list_display = ("title", "key", "order")


@admin.register(Delivery)
class DeliveryAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ("policy", "enterprise", "cadre", "status", "updated_at")
    list_filter = ("status", "policy")
    search_fields = ("enterprise__name", "policy__title")
    list_select_related = ("policy", "enterprise", "cadre")
    raw_id_fields = ("enterprise", "cadre", "visit")


@admin.register(PolicyScan)
class PolicyScanAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("policy", "day", "count")
    list_select_related = ("policy",)
