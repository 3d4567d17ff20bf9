"""Loading the official classifier (НК РК 01-2017, «НКЗ») and a skills dictionary from files.

Accepted files:

- **XLSX** (or XLS, ODS, CSV): a table whose header, found among the first rows under any title
  block, names a code column and Russian and/or Kazakh name columns («Код», «Наименование на
  русском языке», «Атауы (қазақ тілінде)», «Name (Russian)» …); for skills, optionally a column of
  occupation codes separated by commas, semicolons or spaces. Read by the import pipeline's
  table reader and header finder (config.spreadsheets).
- **XML**: every element that carries a code is an entry, whatever it is called (<item>,
  <position>, <row>, <Occupation> …). The code, the Russian and the Kazakh name are read from its
  attributes or from its child elements, named (case, hyphens, underscores and namespaces aside)
  code / kod / код; name_ru / nameru / ru / rus / title_ru / наименование_ru; name_kk / name_kz /
  kk / kz / kaz / title_kk / title_kz / атауы; or from <name lang="ru"> / <name xml:lang="kk">.
  Skills' occupation codes come from an attribute or child occupations / occupation_codes, or from
  child <occupation code="…"/> or <occupation>…</occupation> elements.

Nothing is written unless every entry is good: each problem is said with its line (or entry
number in XML), and the whole load is one transaction.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from defusedxml import ElementTree
from django.db import transaction
from django.utils.translation import gettext as _

from config.spreadsheets.formats import SpreadsheetError
from config.spreadsheets.headers import Vocabulary, cell_text, find_header, is_total_row
from config.spreadsheets.tables import read_tables

from .models import LEVELS, OCCUPATION_CODE, Occupation, OccupationLevel, Skill, parent_code

HEADERS = {
    "code": [
        "Код",
        "Code",
        "Коды",
        "Код занятия",
        "Код должности",
        "Код НКЗ",
        "Код навыка",
        "Дағды коды",
        "Лауазым коды",
    ],
    "name_ru": [
        "Наименование",
        "Наименование (рус.)",
        "Наименование на русском языке",
        "Наименование на русском",
        "Название",
        "Название на русском языке",
        "Наименование занятия",
        "Наименование должности",
        "Name (Russian)",
        "Name ru",
        "Атауы (орыс тілінде)",
        "Орыс тіліндегі атауы",
    ],
    "name_kk": [
        "Наименование (каз.)",
        "Наименование на казахском языке",
        "Наименование на казахском",
        "Название на казахском языке",
        "Name (Kazakh)",
        "Name kk",
        "Name kz",
        "Атауы",
        "Атауы (қазақ тілінде)",
        "Қазақ тіліндегі атауы",
    ],
}
OCCUPATION_HEADERS = [
    "Коды занятий",
    "Занятия",
    "Профессии",
    "Occupation codes",
    "Occupations",
    "Кәсіптер",
    "Кәсіп кодтары",
]
XML_NAMES = {
    "code": {"code", "kod", "код", "codenkz", "nkzcode"},
    "name_ru": {"nameru", "namerus", "ru", "rus", "titleru", "наименованиеru", "nameruss"},
    "name_kk": {"namekk", "namekz", "namekaz", "kk", "kz", "kaz", "titlekk", "titlekz", "атауы"},
    "occupations": {"occupations", "occupationcodes", "occupationcode"},
}
XML_LANGUAGE = {
    "ru": "name_ru",
    "rus": "name_ru",
    "kk": "name_kk",
    "kz": "name_kk",
    "kaz": "name_kk",
}
LIST_SEPARATORS = re.compile(r"[,;\s]+")
CODE = re.compile(OCCUPATION_CODE)


class LoadError(Exception):
    """A file that cannot be loaded: every problem found, each a sentence with its place."""

    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Entry:
    """One code with its names as a file gives them; `place` says where, as the user reads it."""

    place: str
    code: str
    name_ru: str = ""
    name_kk: str = ""
    occupations: list = field(default_factory=list)
    # Whether the code came from a number cell: a spreadsheet drops its leading zero.
    numeric: bool = False


def local_name(tag):
    """An XML name without its namespace, case, hyphens and underscores: «Name_RU» → «nameru»."""
    return re.sub(r"[\W_]", "", tag.rsplit("}", 1)[-1].casefold())


def read_entries(data, with_occupations=False):
    """The entries of an XML or spreadsheet file. Raises LoadError naming what is wrong."""
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return read_xml(data, with_occupations)
    return read_table(data, with_occupations)


def read_xml(data, with_occupations):
    try:
        root = ElementTree.fromstring(data)
    except Exception as error:  # defusedxml's refusals and every parse error alike
        raise LoadError([_("The XML file cannot be read: %(error)s") % {"error": error}]) from None
    entries = []
    for element in root.iter():
        values = xml_values(element)
        # A skill's <occupation code="…"/> is a link to an occupation, not a skill of its own.
        if not values.get("code") or (with_occupations and local_name(element.tag) == "occupation"):
            continue
        place = _("entry %(number)s") % {"number": len(entries) + 1}
        occupations = []
        if with_occupations:
            occupations = LIST_SEPARATORS.split(values.get("occupations", "").strip())
            for child in element:
                if local_name(child.tag) == "occupation":
                    occupations.append((child.get("code") or child.text or "").strip())
        entries.append(
            Entry(
                place,
                values["code"],
                values.get("name_ru", ""),
                values.get("name_kk", ""),
                [code for code in occupations if code],
            )
        )
    if not entries:
        raise LoadError([_("The XML file has no element with a code.")])
    return entries


def xml_values(element):
    """An element's code and names, from its attributes, then from its children."""
    found = {}
    sources = [(local_name(name), value) for name, value in element.attrib.items()]
    for child in element:
        name, text = local_name(child.tag), " ".join((child.text or "").split())
        language = next(
            (
                value
                for key, value in child.attrib.items()
                if local_name(key) in ("lang", "xmllang")
            ),
            None,
        )
        if name in ("name", "title", "наименование") and language:
            name = XML_LANGUAGE.get(re.split(r"[-_]", language.casefold())[0], name)
        sources.append((name, text))
    for name, value in sources:
        for key, names in XML_NAMES.items():
            if (name in names or name == key) and key not in found and value.strip():
                found[key] = " ".join(value.split())
    return found


def read_table(data, with_occupations):
    fields = dict(HEADERS)
    if with_occupations:
        fields["occupations"] = OCCUPATION_HEADERS
    vocabulary = Vocabulary(fields)
    try:
        tables = read_tables(data)
    except SpreadsheetError as error:
        raise LoadError([str(error)]) from None
    for table in tables:
        header = find_header(table, vocabulary)
        if header is None:
            continue
        columns = {m.field: index for index, m in enumerate(header.matches) if m.field}
        if "code" in columns and ({"name_ru", "name_kk"} & set(columns)):
            return table_entries(table, header, columns)
    raise LoadError(
        [
            _(
                "No sheet has a header with a code column and a Russian or Kazakh name column "
                "(e.g. «Код», «Наименование на русском языке», «Атауы (қазақ тілінде)»)."
            )
        ]
    )


def table_entries(table, header, columns):
    entries = []
    for index in range(header.last + 1, len(table.rows)):
        row = table.rows[index]
        cells = {
            name: row[column] if column < len(row) else None for name, column in columns.items()
        }
        if all(cell_text(value) == "" for value in cells.values()) or is_total_row(row):
            continue
        code = cells["code"]
        place = _("line %(line)s") % {"line": table.lines[index]}
        if table.sheet:
            place = _("sheet “%(sheet)s”, line %(line)s") % {
                "sheet": table.sheet,
                "line": table.lines[index],
            }
        occupations = LIST_SEPARATORS.split(cell_text(cells.get("occupations")))
        entries.append(
            Entry(
                place,
                cell_text(code).replace(" ", ""),
                cell_text(cells.get("name_ru")),
                cell_text(cells.get("name_kk")),
                [code for code in occupations if code],
                numeric=isinstance(code, int | float) and not isinstance(code, bool),
            )
        )
    return entries


def too_long(entry, model):
    """What of an entry does not fit its column: said, rather than refused by the database."""
    problems = []
    for name in ("code", "name_ru", "name_kk"):
        field, value = model._meta.get_field(name), getattr(entry, name)
        if len(value) > field.max_length:
            problems.append(
                _("%(place)s: the %(field)s has %(length)s characters; at most %(limit)s fit.")
                % {
                    "place": entry.place,
                    "field": field.verbose_name,
                    "length": len(value),
                    "limit": field.max_length,
                }
            )
    return problems


@dataclass
class Outcome:
    """What a load did, for the command to report."""

    added: Counter = field(default_factory=Counter)
    renamed: int = 0
    unchanged: int = 0


def level_rank(code):
    return LEVELS.index(OccupationLevel.of_code(code))


@transaction.atomic
def load_occupations(data, reason="load_occupations"):
    """Fill or replace the classifier's names from an official list and add what it lacks:
    national positions under their unit groups (and any group under its parent). Names given
    in both languages are marked checked. All or nothing: raises LoadError with every problem."""
    entries = read_entries(data)
    stored = {occupation.code: occupation for occupation in Occupation.objects.all()}
    problems = []
    for entry in entries:
        if entry.numeric and entry.code not in stored and f"0{entry.code}" in stored:
            # Excel turned «0110» into 110: the armed forces' codes start with 0.
            entry.code = f"0{entry.code}"
    first_place = {}
    for entry in entries:
        if not CODE.match(entry.code):
            problems.append(
                _(
                    "%(place)s: “%(code)s” is not an occupation code: an ISCO-08 group is 1 to 4 "
                    "digits, a national position its unit group's 4 digits and more (4110-9)."
                )
                % {"place": entry.place, "code": entry.code}
            )
            continue
        if entry.code in first_place:
            problems.append(
                _("%(place)s: the code %(code)s is already given at %(first)s.")
                % {"place": entry.place, "code": entry.code, "first": first_place[entry.code]}
            )
            continue
        first_place[entry.code] = entry.place
        problems += too_long(entry, Occupation)
        if not entry.name_ru and not entry.name_kk:
            problems.append(
                _("%(place)s: the code %(code)s has no name in Russian or Kazakh.")
                % {"place": entry.place, "code": entry.code}
            )
    known = set(stored) | set(first_place)
    for entry in entries:
        if first_place.get(entry.code) != entry.place:
            continue
        above = parent_code(entry.code)
        if above is not None and above not in known:
            problems.append(
                _(
                    "%(place)s: the code %(code)s belongs to the group %(group)s, which neither "
                    "the classifier nor the file has."
                )
                % {"place": entry.place, "code": entry.code, "group": above}
            )
        if entry.code not in stored and not (entry.name_ru and entry.name_kk):
            problems.append(
                _("%(place)s: the new code %(code)s needs its name in both Russian and Kazakh.")
                % {"place": entry.place, "code": entry.code}
            )
    if problems:
        raise LoadError(problems)
    outcome = Outcome()
    good = [entry for entry in entries if first_place.get(entry.code) == entry.place]
    for entry in sorted(good, key=lambda entry: (level_rank(entry.code), entry.code)):
        occupation = stored.get(entry.code)
        if occupation is None:
            occupation = Occupation(
                code=entry.code,
                parent=stored.get(parent_code(entry.code)),
                name_ru=entry.name_ru,
                name_kk=entry.name_kk,
                names_checked=True,
            )
            occupation._change_reason = reason
            occupation.save()
            stored[entry.code] = occupation
            outcome.added[occupation.level] += 1
            continue
        names = {
            "name_ru": entry.name_ru or occupation.name_ru,
            "name_kk": entry.name_kk or occupation.name_kk,
            "names_checked": occupation.names_checked or bool(entry.name_ru and entry.name_kk),
        }
        if all(getattr(occupation, name) == value for name, value in names.items()):
            outcome.unchanged += 1
            continue
        for name, value in names.items():
            setattr(occupation, name, value)
        occupation._change_reason = reason
        occupation.save()
        outcome.renamed += 1
    return outcome


@dataclass
class SkillOutcome:
    added: int = 0
    changed: int = 0
    unchanged: int = 0


@transaction.atomic
def load_skills(data, reason="load_skills"):
    """Add or update skills from a dictionary file, with the occupations each is linked to
    (replacing the links when the file gives any). All or nothing, as load_occupations."""
    entries = read_entries(data, with_occupations=True)
    occupations = dict(Occupation.objects.values_list("code", "pk"))
    stored = {skill.code: skill for skill in Skill.objects.prefetch_related("occupations")}
    problems, first_place = [], {}
    for entry in entries:
        if not re.fullmatch(r"[\w.\-/]+", entry.code):
            problems.append(
                _("%(place)s: “%(code)s” is not a skill code: letters, digits, . - / only.")
                % {"place": entry.place, "code": entry.code}
            )
            continue
        if entry.code in first_place:
            problems.append(
                _("%(place)s: the code %(code)s is already given at %(first)s.")
                % {"place": entry.place, "code": entry.code, "first": first_place[entry.code]}
            )
            continue
        first_place[entry.code] = entry.place
        problems += too_long(entry, Skill)
        if entry.code not in stored and not (entry.name_ru and entry.name_kk):
            problems.append(
                _("%(place)s: the new code %(code)s needs its name in both Russian and Kazakh.")
                % {"place": entry.place, "code": entry.code}
            )
        unknown = [code for code in entry.occupations if code not in occupations]
        if unknown:
            problems.append(
                _("%(place)s: the classifier has no occupation %(codes)s.")
                % {"place": entry.place, "codes": ", ".join(unknown)}
            )
    if problems:
        raise LoadError(problems)
    outcome = SkillOutcome()
    for entry in entries:
        skill = stored.get(entry.code)
        linked = {occupations[code] for code in entry.occupations}
        if skill is None:
            skill = Skill(code=entry.code, name_ru=entry.name_ru, name_kk=entry.name_kk)
            skill._change_reason = reason
            skill.save()
            skill.occupations.set(linked)
            outcome.added += 1
            continue
        names = {
            "name_ru": entry.name_ru or skill.name_ru,
            "name_kk": entry.name_kk or skill.name_kk,
        }
        had = {occupation.pk for occupation in skill.occupations.all()}
        renamed = any(getattr(skill, name) != value for name, value in names.items())
        relinked = bool(entry.occupations) and linked != had
        if not (renamed or relinked):
            outcome.unchanged += 1
            continue
        if renamed:
            for name, value in names.items():
                setattr(skill, name, value)
            skill._change_reason = reason
            skill.save()
        if relinked:
            skill.occupations.set(linked)
        outcome.changed += 1
    return outcome
