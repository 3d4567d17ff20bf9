"""Names that code puts into a message (a sheet, a column) quoted as the message's language
quotes: «Регион» in Russian and Kazakh, “Region” in English. A message's own quotes are its
translators'; these are the code's."""

from django.utils.translation import pgettext


def quoted(name):
    return pgettext("a name quoted in a message", "“%(name)s”") % {"name": name}


def quoted_list(names):
    return ", ".join(quoted(name) for name in names)
