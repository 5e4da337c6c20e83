"""Browser pages for appeals (being written)."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


appeal_list = appeal_create = appeal_export = appeal_bulk_assign = appeal_detail = appeal_action = _todo
appeal_attachment = feedback_public = substitution_list = notification_list = _todo
