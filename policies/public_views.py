"""Public pocket-guide pages, QR codes, the handbook PDF and scan statistics (being written)."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


handbook_edit = handbook_pdf = scan_stats = catalogue_public = policy_public = policy_qr_svg = policy_qr_png = _todo
