import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from registry.validators import check_digit, identifier_error, validate_bin

# Check digits worked out by hand from the weights in the resolution.
VALID = "040940000009"  # first pass: sum of d_i * i over 0,4,0,9,4,0,0,0,0,0,0 = 64 -> 64 % 11 = 9
SECOND_PASS = "040940001807"  # first pass gives 10, second weights 3..11,1,2 give 7
NEVER_ISSUED_PREFIX = "04094000187"  # 10 after both passes


def test_valid_bin_passes():
    validate_bin(VALID)


def test_check_digit_of_first_pass():
    assert check_digit(VALID[:11]) == 9


def test_check_digit_falls_back_to_second_weights_when_first_gives_ten():
    first = sum(int(d) * w for d, w in zip(SECOND_PASS[:11], range(1, 12), strict=True)) % 11
    assert first == 10
    assert check_digit(SECOND_PASS[:11]) == 7
    validate_bin(SECOND_PASS)


def test_number_whose_check_digit_is_ten_after_both_passes_is_never_valid():
    assert check_digit(NEVER_ISSUED_PREFIX) is None
    for last in "0123456789":
        with translation.override("en"), pytest.raises(ValidationError, match="can be issued"):
            validate_bin(NEVER_ISSUED_PREFIX + last)


def test_check_digit_agrees_with_the_resolution_digit_by_digit():
    def by_the_resolution(first_eleven):
        for weights in (range(1, 12), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)):
            remainder = sum(int(d) * w for d, w in zip(first_eleven, weights, strict=True)) % 11
            if remainder != 10:
                return remainder
        return None

    numbers = [f"{number:011d}" for number in range(0, 10**11, 7_919_117)]
    assert len(numbers) > 10_000
    assert [check_digit(n) for n in numbers] == [by_the_resolution(n) for n in numbers]


@pytest.mark.parametrize(
    "first_eleven", ["0409400000", "040940000009", "0409400000a", "04094000٠٠٠"]
)
def test_check_digit_needs_eleven_ascii_digits(first_eleven):
    with pytest.raises(ValueError):
        check_digit(first_eleven)


def test_wrong_check_digit_names_the_expected_one():
    with pytest.raises(ValidationError) as error:
        validate_bin(VALID[:11] + "8")
    assert "9" in str(error.value)


@pytest.mark.parametrize("value", ["04094000000", "0409400000091", ""])
def test_wrong_length_is_refused(value):
    assert identifier_error(value)
    with pytest.raises(ValidationError):
        validate_bin(value)


@pytest.mark.parametrize("value", ["04094000000a", "0409400 0009", "０４０９４００００００９"])
def test_non_digits_are_refused(value):
    with pytest.raises(ValidationError):
        validate_bin(value)
