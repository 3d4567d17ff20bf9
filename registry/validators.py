"""Kazakh 12-digit identifiers (BIN for organizations, IIN for people).

Both end in a check digit (Government Resolution No. 406 of 22.05.2007, as implemented by the tax
authority): c = sum(d_i * w_i) mod 11 with weights 1..11; if that is 10, weights 3..11,1,2; if it
is 10 again the number is never issued.
"""

import operator

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Case, CheckConstraint, IntegerField, Q, Value, When
from django.db.models.functions import Length, Mod, Ord, Substr
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

IDENTIFIER_LENGTH = 12
FIRST_WEIGHTS = tuple(range(1, 12))
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
# Each digit is summed as its character code, 48 more than the digit; the weighted sum of
# those 48s is taken off once. An import checks every row's BIN this way.
WEIGHTINGS = [(weights, 48 * sum(weights)) for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS)]


def check_digit(first_eleven):
    """The check digit for 11 leading digits, or None when no number with them can be issued."""
    codes = first_eleven.encode()
    if len(codes) != len(FIRST_WEIGHTS) or not codes.isdigit():
        raise ValueError("eleven digits expected")
    for weights, offset in WEIGHTINGS:
        remainder = (sum(map(operator.mul, codes, weights)) - offset) % 11
        if remainder != 10:
            return remainder
    return None


def complete_identifier(first_eleven):
    """Append the check digit to 11 digits; None when no number can be issued with them."""
    digit = check_digit(first_eleven)
    return None if digit is None else f"{first_eleven}{digit}"


def identifier_error(value):
    """Why `value` is not a valid BIN/IIN, or None. Messages are for people, not programs."""
    if len(value) != IDENTIFIER_LENGTH:
        return _("Must be exactly 12 digits, got %(count)d characters.") % {"count": len(value)}
    if not value.isascii() or not value.isdigit():
        return _("Must contain digits only.")
    expected = check_digit(value[:11])
    if expected is None:
        return _("No number with these first 11 digits can be issued (check digit is undefined).")
    if int(value[11]) != expected:
        return _("Wrong check digit: the last digit should be %(expected)d.") % {
            "expected": expected
        }
    return None


def validate_bin(value):
    error = identifier_error(value)
    if error:
        raise ValidationError(_("Invalid BIN: %(reason)s") % {"reason": error}, code="invalid_bin")


def identifier_is_valid_condition(field_name):
    """The same rule as `identifier_error` as a database expression, for a CheckConstraint.

    Written with portable functions (ORD/ASCII, SUBSTR, MOD) so SQLite and PostgreSQL enforce it
    alike and a row written from the shell or a bulk path cannot bypass it.
    """
    codes = [Ord(Substr(field_name, position, 1)) for position in range(1, IDENTIFIER_LENGTH + 1)]
    condition = Q(Exact(Length(field_name), IDENTIFIER_LENGTH))
    for code in codes:
        condition &= Q(GreaterThanOrEqual(code, 48)) & Q(LessThanOrEqual(code, 57))

    def weighted_remainder(weights):
        total = sum(
            ((code - 48) * weight for code, weight in zip(codes, weights, strict=False)),
            start=Value(0),
        )
        return Mod(total, 11, output_field=IntegerField())

    first, second = weighted_remainder(FIRST_WEIGHTS), weighted_remainder(SECOND_WEIGHTS)
    expected = Case(
        When(~Q(Exact(first, 10)), then=first),
        When(~Q(Exact(second, 10)), then=second),
        default=Value(-1),
        output_field=IntegerField(),
    )
    return condition & Q(Exact(codes[11] - 48, expected))


class IdentifierConstraint(CheckConstraint):
    """The database enforces the identifier rule in SQL; model validation runs it in Python.

    Validating the SQL expression through the ORM would cost a query per row on every import.
    """

    def __init__(self, *, field, name, violation_error_code=None, violation_error_message=None):
        self.field = field
        super().__init__(
            condition=identifier_is_valid_condition(field),
            name=name,
            violation_error_code=violation_error_code,
            violation_error_message=violation_error_message,
        )

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if exclude and self.field in exclude:
            return
        if identifier_error(getattr(instance, self.field) or ""):
            raise ValidationError(
                self.get_violation_error_message(), code=self.violation_error_code
            )

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        kwargs.pop("condition")
        kwargs["field"] = self.field
        return path, args, kwargs
