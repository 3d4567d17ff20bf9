"""What people type and what is stored to be searched, folded alike.

People type without Kazakh letters ("кокшетау" for «Көкшетау»), in any case, in any word order,
with or without quotes and hyphens, and name a legal form in either language or in full. Both
the stored search columns and the search terms go through `fold` (and, for organizations'
names, `LegalFormWords`), and a term matches when each of its words is found: so «Береке-Агро»
is found by "агро береке". SQLite's LIKE folds only ASCII case, which is why the folding is
done here, once, and stored.
"""

import re

from django.db.models import Func, Q, TextField
from django.db.models.lookups import Contains

# Kazakh letters as the Russian letters people type for them, and ё as е.
LOOKALIKES = str.maketrans("әөүұқғңһіё", "аоуукгнхие")
WORDS = re.compile(r"[^\W_]+")


def fold(text):
    """Lower case, Kazakh letters and ё as their Russian look-alikes, and words apart: quotes,
    hyphens and other punctuation between them become single spaces."""
    return " ".join(WORDS.findall((text or "").casefold().translate(LOOKALIKES)))


def fold_letters(text):
    """The letters folded as `fold` folds them, punctuation left: what the database's `Folded`
    computes on a column (a word searched for has no punctuation, so it cannot prevent a match)."""
    return None if text is None else str(text).casefold().translate(LOOKALIKES)


class LegalFormWords:
    """The legal forms' abbreviations and full names in both languages, each standing for the
    form's Russian abbreviation: «ЖШС» and «товарищество с ограниченной ответственностью» are
    «тоо» to a search. Built from the legal-forms reference data (`LegalForm.objects.words()`)."""

    def __init__(self, forms):
        self.phrases = {}
        for abbr_ru, *others in forms:
            target = fold(abbr_ru)
            for phrase in (abbr_ru, *others):
                words = tuple(fold(phrase).split())
                if target and words:
                    self.phrases.setdefault(words, target)
        # The most words a phrase starting with a word has: most words start none, and are
        # passed over with one look-up (this runs on every name an import writes).
        self.starts = {}
        for words in self.phrases:
            self.starts[words[0]] = max(self.starts.get(words[0], 0), len(words))
        # Texts read, with what they read as: an import reads the same short name, legal form
        # or empty Kazakh name on row after row. Full, it remembers nothing more.
        self.remembered = {}

    def read(self, text):
        """The folded words of a text, a legal form's words as its abbreviation: a tuple of
        (word, whether it is a legal form)."""
        try:
            return self.remembered[text]
        except KeyError:
            pass
        # fold(text).split(), without joining the words to split them again.
        words = WORDS.findall((text or "").casefold().translate(LOOKALIKES))
        if self.starts.keys().isdisjoint(words):
            # No word starts a legal form's name: most texts.
            read = tuple((word, False) for word in words)
        else:
            read = self.read_forms(words)
        if len(self.remembered) < REMEMBERED_TEXTS:
            self.remembered[text] = read
        return read

    def read_forms(self, words):
        read = []
        start, count = 0, len(words)
        while start < count:
            longest = self.starts.get(words[start], 0)
            for length in range(min(longest, count - start), 0, -1):
                target = self.phrases.get(tuple(words[start : start + length]))
                if target is not None:
                    read.append((target, True))
                    start += length
                    break
            else:
                read.append((words[start], False))
                start += 1
        return tuple(read)

    def normalize(self, text):
        return " ".join(word for word, _form in self.read(text))

    def without_form(self, name):
        """A name folded for sorting, without the legal form before or after it: «АО «Береке»»
        sorts as "береке", among the Б, not among the А."""
        return self.sort_words(self.read(name))

    @staticmethod
    def sort_words(read):
        """`without_form` of a name already read."""
        kept = list(read)
        while kept and kept[0][1]:
            kept.pop(0)
        while kept and kept[-1][1]:
            kept.pop()
        return " ".join(word for word, _form in (kept or read))


REMEMBERED_TEXTS = 10_000
NO_LEGAL_FORMS = LegalFormWords([])


def organization_texts(legal_forms, bin, name_ru, name_kk, short_name, abbreviation):
    """An organization's stored search text and sorting name, from its BIN, names and legal
    form's (Russian) abbreviation: so that "АО Береке" also finds «Акционерное общество
    «Береке»», and lists sort it among the Б."""
    # The names read apart, the Russian one once for both texts: a legal form's words never run
    # from one name into the next, and this runs on every organization an import writes.
    russian, kazakh = legal_forms.read(name_ru), legal_forms.read(name_kk)
    number, rest = legal_forms.read(bin), legal_forms.read(f"{short_name} {abbreviation or ''}")
    words = [word for word, _form in (*number, *russian, *kazakh, *rest)]
    return " ".join(words), legal_forms.sort_words(russian or kazakh)[:500]


def search_words(term, legal_forms=NO_LEGAL_FORMS):
    """The words of a search term, folded as the stored column is."""
    return legal_forms.normalize(term).split()


def every_word_in(column, words):
    """Rows whose stored, folded column holds every word, in any order."""
    condition = Q()
    for word in words:
        condition &= Q(**{f"{column}__contains": word})
    return condition


class Folded(Func):
    """A column folded in the database as `fold_letters` folds it: on SQLite by that very
    function (registered on each connection, see `register_fold`), on PostgreSQL by lower()
    and translate(), which make the same letters of a UTF-8 database."""

    function = "JUMYS_FOLD"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        # The letters come from LOOKALIKES, not from the user: safe in the statement.
        source = "әөүұқғңһіё"
        return self.as_sql(
            compiler,
            connection,
            template=f"translate(lower((%(expressions)s)::text), '{source}', "
            f"'{source.translate(LOOKALIKES)}')",
            **extra_context,
        )


def register_fold(sender, connection, **kwargs):
    """Give each new SQLite connection the JUMYS_FOLD function `Folded` calls."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("JUMYS_FOLD", 1, fold_letters, deterministic=True)


def any_column_holds(columns, word):
    """Rows where any of the columns, folded, holds the word. A stored search column (already
    folded, and indexed on PostgreSQL) is compared as it is."""
    condition = Q()
    for column in columns:
        if column.endswith("search_text"):
            condition |= Q(**{f"{column}__contains": word})
        else:
            condition |= Q(Contains(Folded(column), word))
    return condition
