"""Validation of the unified social credit code (统一社会信用代码), GB 32100-2015."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The 31 characters the standard allows: digits and capitals without I, O, Z, S, V.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# First character: the registering authority (1 organisation, 5 civil affairs, 9 market
# regulation, ...); the standard lists 1-9, A-N and Y.
AUTHORITIES = set("123456789ABCDEFGHJKLMNY")


def credit_code_check_char(first17: str) -> str:
    """The 18th character for the given first 17 (which must be from CHARSET)."""
    total = sum(CHARSET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def credit_code_error(value: str) -> str | None:
    """Why the code is invalid, or None when it is a well-formed code with the right check character."""
    code = normalize_credit_code(value)
    if len(code) != 18:
        return _("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(code)}
    bad = sorted({char for char in code if char not in CHARSET})
    if bad:
        return _("The code contains characters the standard does not allow: %(chars)s.") % {"chars": " ".join(bad)}
    if code[0] not in AUTHORITIES:
        return _("The first character (registering authority) %(char)s is not a valid authority code.") % {
            "char": code[0]
        }
    if not code[2:8].isdigit():
        return _("Characters 3 to 8 must be the six-digit administrative division code.")
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return _("The check character is wrong: it should be %(expected)s, not %(got)s. Please check the code.") % {
            "expected": expected,
            "got": code[17],
        }
    return None


def validate_credit_code(value: str) -> None:
    error = credit_code_error(value)
    if error:
        raise ValidationError(error, code="invalid_credit_code")


ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def make_credit_code(serial: int, *, division: str = "210203", authority: str = "91") -> str:
    """A well-formed code for demo and test data: the serial becomes the organisation code.

    The organisation code (characters 9-17) carries its own GB 11714 check digit, as real ones do.
    """
    body = f"{serial % 10**8:08d}"
    org_check = 11 - sum(int(d) * w for d, w in zip(body, ORG_WEIGHTS, strict=True)) % 11
    org = body + {10: "X", 11: "0"}.get(org_check, str(org_check))
    first17 = f"{authority}{division}{org}"
    return first17 + credit_code_check_char(first17)
