"""QR codes that lead from the printed handbook (and posters) to a policy's public page, and the address
they point to.

That address is, in order: POLICY_QR_BASE_URL when the operator set it (the portal as phones reach it,
behind any proxy); else the address the request came in on (scheme and host as the proxy settings let
Django read them, and the script prefix); else, for a document drawn without a request (the handbook's
PDF, in a background job), the last address signed-in staff used on the policy pages, kept in the cache;
else the local address of the demo (LOCAL_BASE_URL, the port scripts/demo.sh runs on). A loopback
address prints codes no phone can open: the staff pages say so (policies.templatetags.policy_tags).
"""

from __future__ import annotations

import io
import ipaddress
import logging
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.core.cache import cache
from django.urls import get_script_prefix, reverse

from policies.models import Policy

log = logging.getLogger(__name__)

QUIET_ZONE = 4  # modules; the standard's minimum, so every phone camera finds the code on paper
PNG_SCALE = 10  # pixels per module: sharp enough to print at a few centimetres
LAST_STAFF_BASE_URL_KEY = "policies:qr:last-staff-base-url"


def configured_base_url() -> str:
    return (settings.POLICY_QR_BASE_URL or "").strip().rstrip("/")


def request_base_url(request) -> str:
    """The portal's root as this request reached it (X-Forwarded-Proto/-Host only where the settings trust them)."""
    return request.build_absolute_uri(get_script_prefix()).rstrip("/")


def last_staff_base_url() -> str:
    """The address signed-in staff last reached the policy pages at ("" if none is known or the cache is down)."""
    try:
        return cache.get(LAST_STAFF_BASE_URL_KEY) or ""
    except Exception:  # a cache that is down must not stop a page or a document
        log.warning("The cache is unavailable: the QR codes' last known address cannot be read.", exc_info=True)
        return ""


def remember_staff_base_url(request) -> None:
    """Keep the address a signed-in user reached the portal at, for documents drawn without a request.
    Written only when it changes; nothing is kept when the operator configured the address."""
    user = getattr(request, "user", None)
    if configured_base_url() or user is None or not user.is_authenticated:
        return
    base = request_base_url(request)
    if last_staff_base_url() != base:
        try:
            cache.set(LAST_STAFF_BASE_URL_KEY, base, timeout=None)
        except Exception:
            log.warning("The cache is unavailable: the QR codes' address is not kept.", exc_info=True)


def policy_qr_base_url(request=None) -> str:
    """The address QR codes point to (see the module's docstring), without a trailing slash."""
    return (
        configured_base_url()
        or (request_base_url(request) if request is not None else "")
        or last_staff_base_url()
        or settings.LOCAL_BASE_URL.rstrip("/")
    )


def is_loopback(url: str) -> bool:
    """Whether `url` names this computer only (127.0.0.0/8, ::1, localhost, 0.0.0.0): no phone can open it."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def policy_qr_url(policy: Policy, request=None) -> str:
    """The address printed in a policy's QR code: the base address (policy_qr_base_url), the public page's
    path and `?src=qr`, which makes the page count the scan.

    The path is taken relative to the app's root, whatever script prefix the current request has: the
    base already names the address the app is served under, so a code drawn in a request behind a proxy
    and one drawn in a background job come out the same.
    """
    path = reverse("policy-public", args=[policy.pk])
    prefix = get_script_prefix()
    if prefix != "/" and path.startswith(prefix):
        path = "/" + path[len(prefix):]
    return f"{policy_qr_base_url(request)}{path}?src=qr"


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
