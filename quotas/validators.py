"""The individual identification number (IIN) of a person: checksum, birth date and sex."""

import datetime
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registry.validators import identifier_error

# The 7th digit: century of birth and sex (odd male, even female).
CENTURIES = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}
MALE, FEMALE = "male", "female"


def iin_birth_date_and_sex(iin):
    """(birth date, sex) encoded in an IIN whose checksum is valid; ValueError if impossible."""
    if type(iin) is str:
        return remembered_birth_date_and_sex(iin)
    return read_birth_date_and_sex(iin)


def read_birth_date_and_sex(iin):
    century = CENTURIES.get(iin[6])
    if century is None:
        raise ValueError(_("the 7th digit (century and sex) must be 1–6"))
    try:
        birth_date = datetime.date(century + int(iin[:2]), int(iin[2:4]), int(iin[4:6]))
    except ValueError:
        raise ValueError(_("the first six digits are not a date (YYMMDD)")) from None
    return birth_date, (MALE if int(iin[6]) % 2 else FEMALE)


# Checking a person reads their IIN several times over (the field, the birth date and sex filled
# from it, the person's own checks, the search text): the last IINs read are remembered. Only
# what a valid IIN reads as: a refusal is said anew, in the language of the moment.
remembered_birth_date_and_sex = lru_cache(maxsize=1024)(read_birth_date_and_sex)


@lru_cache(maxsize=1024)
def is_valid_iin(value):
    if identifier_error(value) is not None:
        return False
    try:
        iin_birth_date_and_sex(value)
    except ValueError:
        return False
    return True


def validate_iin(value):
    if type(value) is str and is_valid_iin(value):
        return
    error = identifier_error(value)
    if error is None:
        try:
            iin_birth_date_and_sex(value)
        except ValueError as reason:
            error = reason
    if error:
        raise ValidationError(_("Invalid IIN: %(reason)s") % {"reason": error}, code="invalid_iin")
