"""QR codes that lead from the printed handbook (and posters) to a policy's public page."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.urls import get_script_prefix, reverse

from policies.models import Policy

QUIET_ZONE = 4  # modules; the standard's minimum, so every phone camera finds the code on paper
PNG_SCALE = 10  # pixels per module: sharp enough to print at a few centimetres


def policy_qr_url(policy: Policy) -> str:
    """The address printed in a policy's QR code: the public base URL (the proxy's, as phones see it),
    the public page's path and `?src=qr`, which makes the page count the scan.

    The path is taken relative to the app's root, whatever script prefix the current request has:
    POLICY_QR_BASE_URL already names the address the app is served under, so a code drawn in a
    request behind a proxy and one drawn in a background job come out the same.
    """
    path = reverse("policy-public", args=[policy.pk])
    prefix = get_script_prefix()
    if prefix != "/" and path.startswith(prefix):
        path = "/" + path[len(prefix):]
    return f"{settings.POLICY_QR_BASE_URL.rstrip('/')}{path}?src=qr"


def _code(url: str) -> segno.QRCode:
    # Level M and not silently raised by segno: every printed code follows the same rule.
    return segno.make(url, error="m", boost_error=False, micro=False)


def qr_svg(url: str) -> str:
    """A scalable SVG document (no size, a viewBox) on a white ground, with the quiet zone."""
    out = io.BytesIO()
    _code(url).save(out, kind="svg", border=QUIET_ZONE, scale=1, omitsize=True, xmldecl=False, light="#fff",
                    dark="#000", title=url)
    return out.getvalue().decode("utf-8")


def qr_png(url: str, *, scale: int = PNG_SCALE) -> bytes:
    """A black-on-white PNG with the quiet zone."""
    out = io.BytesIO()
    _code(url).save(out, kind="png", border=QUIET_ZONE, scale=scale, light="#fff", dark="#000")
    return out.getvalue()
