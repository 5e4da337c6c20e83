"""Staff and cadre policy pages (being written)."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


policy_list = policy_edit = policy_detail = policy_eligible = policy_explain = policy_deliveries = _todo
delivery_update = policy_import = _todo
