import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from enterprises.validators import credit_code_error, make_credit_code, validate_credit_code

# Codes published on the enterprises' own registration records.
REAL_CODES = {
    "914403001922038216": "华为技术有限公司",
    "9144030071526726XG": "腾讯科技（深圳）有限公司",
    "91330100799655058B": "阿里巴巴（中国）有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
    "91110000802100433B": "北京百度网讯科技有限公司",
    "91520000214434146R": "贵州茅台酒股份有限公司",
    "91440300708461136T": "深圳市腾讯计算机系统有限公司",
}


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_published_codes_are_accepted(code):
    assert credit_code_error(code) is None
    validate_credit_code(code.lower())  # lower case is normalised, not refused


@pytest.mark.parametrize("code", REAL_CODES)
def test_any_single_changed_character_is_refused(code):
    # given every one-character corruption of a real code
    for position in range(18):
        for replacement in "0A7X":
            corrupted = code[:position] + replacement + code[position + 1 :]
            if corrupted == code:
                continue
            # then the check character catches it
            assert credit_code_error(corrupted) is not None, corrupted


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91440300192203821", "18"),
        ("9144030019220382166", "18"),
        ("91440300I92203821O", "I O"),
        ("Z14403001922038216", "Z"),
        ("914403001922038217", "6"),
        ("9144AB001922038216", "3 to 8"),
    ],
)
def test_malformed_codes_say_what_is_wrong(code, fragment):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        validate_credit_code(code)
    assert fragment in " ".join(info.value.messages)


def test_generated_demo_codes_are_valid_and_distinct():
    codes = {make_credit_code(i) for i in range(1, 2000)}
    assert len(codes) == 1999
    assert all(credit_code_error(code) is None for code in codes)


def test_the_message_is_in_chinese_by_default():
    assert "校验码错误" in credit_code_error("914403001922038217")
