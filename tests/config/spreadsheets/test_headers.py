"""Finding the header row and matching columns to fields, with headers as akimats, employment
centres and companies write them."""

import gc
import time
from dataclasses import dataclass, field

import pytest

from config.spreadsheets.headers import (
    ROW_NUMBER_HEADERS,
    TOTAL_WORDS,
    Match,
    Vocabulary,
    find_header,
    is_total_row,
    normalize_header,
)


@dataclass
class Table:
    """What the reading stage hands over: raw cells, source lines, merged ranges."""

    rows: list
    merged: list = field(default_factory=list)
    lines: list = None

    def __post_init__(self):
        self.lines = self.lines or list(range(1, len(self.rows) + 1))


ORGANIZATIONS = {
    "bin": ["BIN", "БИН", "БСН", "БИН/БСН"],
    "name_ru": ["Наименование организации", "Наименование", "Полное наименование (рус.)"],
    "name_kk": ["Ұйымның атауы", "Полное наименование (каз.)"],
    "region": ["Область", "Облыс", "Регион"],
    "district": ["Район", "Аудан"],
    "settlement": ["Населённый пункт", "Елді мекен"],
    "address": ["Адрес", "Мекенжайы"],
    "headcount": ["Списочная численность работников", "Численность", "Жұмыскерлер саны"],
    "headcount_date": ["Дата численности", "Численность на дату"],
    "kind": ["Вид организации", "Тип организации"],
}
QUOTAS = {
    "organization_name": ["Наименование организации", "Ұйымның атауы"],
    "organization": ["БИН организации", "БСН"],
    "headcount": ["Списочная численность работников", "Жұмыскерлер саны"],
    "percent": ["Размер квоты", "Квота, %"],
    "stated_places": ["Количество рабочих мест", "Жұмыс орындарының саны"],
}


@pytest.fixture(scope="module")
def organizations():
    return Vocabulary(ORGANIZATIONS)


@pytest.fixture(scope="module")
def quotas():
    return Vocabulary(QUOTAS)


@pytest.mark.parametrize(
    ("header", "normalized"),
    [
        ("Размер квоты (% от численности)", "размер квоты"),
        ("Размер квоты (% от …", "размер квоты"),  # the note cut off by the cell's width
        ("Размер (в % (от численности))", "размер"),
        ("Списочная численность\nработников (чел.)", "списочная численность работников"),
        ("Наименование*", "наименование"),
        ("БИН **", "бин"),
        ("Населённый пункт", "населенный пункт"),
        ("«Наименование» “организации”", "наименование организации"),
        ("Эл. почта; e-mail", "эл почта e mail"),
        ("Организационно–правовая форма", "организационно правовая форма"),
        ("Квота, %", "квота %"),
        ("№ п/п", "№ п п"),
        ("Р/с №", "р с №"),
        ("  ЖҰМЫСКЕРЛЕР\tсаны ", "жұмыскерлер саны"),
        ("Мекенжаи\u0306", "мекенжай"),  # "й" typed as "и" and a combining breve
        (2024.0, "2024"),
        (None, ""),
        ("", ""),
        ("(рус.)", ""),
    ],
)
def test_headers_are_compared_normalized(header, normalized):
    assert normalize_header(header) == normalized


def test_row_number_and_total_words_are_normalized():
    assert {"№", "№ п п", "п п", "р с №", "no", "n", "#", "nn", "№№"} <= ROW_NUMBER_HEADERS
    assert {"итого", "всего", "барлығы", "барлыгы", "жиыны", "total"} <= TOTAL_WORDS
    assert all(normalize_header(word) == word for word in ROW_NUMBER_HEADERS | TOTAL_WORDS)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        # Units and notes of an akimat resolution's appendix.
        ("Списочная численность работников (чел.)", "headcount"),
        ("Размер квоты (% от списочной численности)", "percent"),
        ("Количество рабочих мест (ед.)", "stated_places"),
        # Kazakh headers.
        ("Ұйымның атауы", "organization_name"),
        ("БСН", "organization"),
        ("Жұмыскерлер саны", "headcount"),
        ("Жұмыс орындарының\nсаны", "stated_places"),
        # Line breaks, asterisks, quotes.
        ("Наименование\r\nорганизации*", "organization_name"),
        ("«Квота, %»", "percent"),
    ],
)
def test_quota_headers_as_offices_write_them_match_exactly(quotas, header, field):
    assert quotas.match(header) == Match(field, 100, "exact")


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Мекенжайы", "address"),
        ("Облыс", "region"),
        ("Елді мекен", "settlement"),
        ("Населенный пункт", "settlement"),  # ё written as е
        ("НАСЕЛЁННЫЙ ПУНКТ *", "settlement"),
        ("БИН/БСН", "bin"),
        ("Бин / бсн", "bin"),
    ],
)
def test_organization_headers_match_exactly(organizations, header, field):
    assert organizations.match(header) == Match(field, 100, "exact")


@pytest.mark.parametrize("header", ["№", "№ п/п", "№п/п", "п/п", "Р/с №", "р/с", "No.", "N", "#"])
def test_row_number_columns_are_ignored(organizations, header):
    assert organizations.match(header) == Match(None, 0, "ignored")


@pytest.mark.parametrize("header", [None, "", "   ", "*"])
def test_empty_headers_are_ignored(organizations, header):
    assert organizations.match(header) == Match(None, 0, "ignored")


def test_a_row_number_header_a_vocabulary_claims_is_its_field():
    vocabulary = Vocabulary({"number": ["№"], "name": ["Наименование"]})
    assert vocabulary.match("№") == Match("number", 100, "exact")


def test_headers_nobody_declared_are_unknown(organizations):
    assert organizations.match("Руководитель") == Match(None, 0, "unknown")
    assert organizations.match(12345) == Match(None, 0, "unknown")


@pytest.mark.parametrize(
    ("header", "field", "score"),
    [
        # Extra words: a qualifier, a date, an employer's word for itself.
        ("Наименование организации полное", "name_ru", 95),
        ("Списочная численность работников на 01.01", "headcount", 95),
        ("БИН предприятия", "bin", 90),
        # Words in another order.
        ("Организации наименование", "name_ru", 95),
        # A typo.
        ("Наименовние организации", "name_ru", 97),
    ],
)
def test_extra_words_word_order_and_typos_match_fuzzily(organizations, header, field, score):
    assert organizations.match(header) == Match(field, score, "fuzzy")


def test_a_note_in_parentheses_is_dropped_before_anything_else(organizations):
    assert organizations.match("Наименование организации (полное)") == Match(
        "name_ru", 100, "exact"
    )


@pytest.mark.parametrize(
    ("header", "vocabulary", "field", "score"),
    [
        # Just above the threshold of 85.
        (
            "Кол-во рабочих мест",
            {"stated_places": ["Количество рабочих мест"]},
            "stated_places",
            85,
        ),
        ("Ұйым атауы", {"name": ["Ұйымның атауы"]}, "name", 86),
        ("Жұмыскерлердің саны", {"headcount": ["Жұмыскерлер саны"]}, "headcount", 91),
        # Just below it.
        ("Кол. рабочих мест", {"places": ["Количество рабочих мест"]}, None, 0),  # 82
        ("Численность работающих", {"headcount": ["Численность работников"]}, None, 0),  # 81
        # An abbreviation two thirds the name's length is scored as a fragment: 80.
        ("Наим. организации", {"name": ["Наименование организации"]}, None, 0),
        ("Райoн", {"district": ["Район"]}, None, 0),  # a Latin "o": 80
        ("Жұмысшылар саны", {"headcount": ["Жұмыскерлер саны"]}, None, 0),  # 77
        # Unrelated short headers.
        ("Район", {"region": ["Регион"]}, None, 0),  # 54
        # A fragment of a much longer name says too little: WRatio alone would give it 90.
        ("Дата", {"headcount_date": ["Дата численности"]}, None, 0),
        ("Тип", {"kind": ["Тип организации"]}, None, 0),
    ],
)
def test_where_the_fuzzy_threshold_sits(header, vocabulary, field, score):
    match = Vocabulary(vocabulary).match(header)
    assert (match.field, match.score) == (field, score)
    assert match.how == ("fuzzy" if field else "unknown")


def test_the_threshold_can_be_raised():
    vocabulary = Vocabulary({"stated_places": ["Количество рабочих мест"]}, fuzzy_threshold=86)
    assert vocabulary.match("Кол-во рабочих мест") == Match(None, 0, "unknown")


def test_an_exact_match_beats_a_longer_name_that_contains_it():
    vocabulary = Vocabulary({"date": ["Дата"], "headcount_date": ["Дата численности"]})
    assert vocabulary.match("Дата") == Match("date", 100, "exact")
    assert vocabulary.match("Дата численности") == Match("headcount_date", 100, "exact")


def test_the_most_specific_of_equally_good_names_wins():
    vocabulary = Vocabulary({"size": ["Размер"], "percent": ["Размер квоты"]})
    assert vocabulary.match("Размер квоты в процентах").field == "percent"


def test_fields_that_only_a_note_tells_apart_need_the_note(organizations):
    assert organizations.match("Полное наименование (рус.)") == Match("name_ru", 100, "exact")
    assert organizations.match("ПОЛНОЕ НАИМЕНОВАНИЕ (каз)") == Match("name_kk", 100, "exact")
    assert organizations.match("Полное наименование") == Match(None, 0, "unknown")
    assert organizations.match("Полное наименование (каз. яз.)").field == "name_kk"


def test_two_columns_for_one_field_keep_the_better_one(organizations):
    matches = organizations.match_all(["БИН предприятия", "Наименование", "БИН"])
    assert matches == [
        Match(None, 0, "unknown"),
        Match("name_ru", 100, "exact"),
        Match("bin", 100, "exact"),
    ]


def test_two_columns_for_one_field_with_equal_scores_keep_the_first(organizations):
    matches = organizations.match_all(["Наименование", "№", "Наименование организации"])
    assert matches == [
        Match("name_ru", 100, "exact"),
        Match(None, 0, "ignored"),
        Match(None, 0, "unknown"),
    ]


def test_a_header_claimed_by_two_fields_is_refused():
    with pytest.raises(ValueError, match=r"both 'region' and 'district'"):
        Vocabulary({"region": ["Регион", "Область"], "district": ["Район", "РЕГИОН*"]})


def test_one_field_may_list_a_header_twice():
    vocabulary = Vocabulary({"name": ["Наименование", "наименование*"], "bin": ["БИН"]})
    assert vocabulary.match("НАИМЕНОВАНИЕ") == Match("name", 100, "exact")


def test_the_header_is_found_under_a_title_block_of_three_rows(quotas):
    table = Table(
        [
            ["Приложение 1 к постановлению акимата Алматинской области", None, None, None],
            ["от 15 января 2025 года № 12", None, None, None],
            [None, None, None, None],
            [
                "№ п/п",
                "Наименование организации",
                "Списочная численность работников (чел.)",
                "Размер квоты (% от списочной численности)",
                "Количество рабочих мест (ед.)",
            ],
            [1, "ТОО «Ромашка»", 120, 2, 2],
            [2, "АО «Береке»", 300.0, 3, 9],
            [None, "Итого", 420, None, 11],
        ],
        merged=[(0, 0, 0, 4), (1, 0, 1, 4)],
    )
    header = find_header(table, quotas)
    assert (header.first, header.last) == (3, 3)
    assert [match.field for match in header.matches] == [
        None,
        "organization_name",
        "headcount",
        "percent",
        "stated_places",
    ]
    assert header.matches[0].how == "ignored"
    assert header.names[2] == "Списочная численность работников (чел.)"


def test_a_header_split_over_two_rows_with_merged_cells_is_read_as_one(organizations):
    table = Table(
        [
            ["Список организаций", None, None, None, None, None],
            ["Р/с №", "Ұйымның атауы", "БСН", "Адрес", None, "Жұмыскерлер\nсаны"],
            [None, None, None, "Район", "Населённый пункт", None],
            [1, "«Береке» ЖШС", "040140001234", "Бостандыкский", "Алматы", 12],
        ],
        # The title across the table; "Адрес" across two columns; the others down over both rows.
        merged=[(0, 0, 0, 5), (1, 3, 1, 4), (1, 0, 2, 0), (1, 1, 2, 1), (1, 2, 2, 2), (1, 5, 2, 5)],
    )
    header = find_header(table, organizations)
    assert (header.first, header.last) == (1, 2)
    assert header.names == [
        "Р/с №",
        "Ұйымның атауы",
        "БСН",
        "Адрес / Район",
        "Адрес / Населённый пункт",
        "Жұмыскерлер саны",
    ]
    assert [match.field for match in header.matches] == [
        None,
        "name_kk",
        "bin",
        "district",
        "settlement",
        "headcount",
    ]


def test_a_two_row_header_is_found_when_its_lower_row_matches_more(organizations):
    table = Table(
        [
            ["Наименование", "Адрес", None, None],
            [None, "Область", "Район", "Населённый пункт"],
            ["ТОО «Ромашка»", "Алматинская", "Талгарский", "Талгар"],
        ],
        merged=[(0, 1, 0, 3), (0, 0, 1, 0)],
    )
    header = find_header(table, organizations)
    assert (header.first, header.last) == (0, 1)
    assert [match.field for match in header.matches] == [
        "name_ru",
        "region",
        "district",
        "settlement",
    ]


def test_a_row_of_units_under_cells_merged_down_is_part_of_the_header(organizations):
    table = Table(
        [
            ["БИН", "Наименование", "Численность"],
            [None, None, "чел."],
            ["040140001234", "ТОО «Ромашка»", 12],
        ],
        merged=[(0, 0, 1, 0), (0, 1, 1, 1)],
    )
    header = find_header(table, organizations)
    assert (header.first, header.last) == (0, 1)
    assert header.names == ["БИН", "Наименование", "Численность / чел."]
    assert [match.field for match in header.matches] == ["bin", "name_ru", "headcount"]


def test_the_first_data_row_is_not_taken_for_half_a_header(organizations):
    table = Table(
        [
            ["БИН", "Наименование", "Примечание"],
            ["040140001234", "ТОО «Ромашка»", "Район не указан"],
            ["040140001235", "ТОО «Береке»", None],
        ]
    )
    header = find_header(table, organizations)
    assert (header.first, header.last) == (0, 0)
    assert header.names == ["БИН", "Наименование", "Примечание"]


def test_a_table_without_a_recognisable_header_has_none(organizations):
    table = Table(
        [
            ["Отчёт о работе за 2024 год"],
            [],
            ["Показатель", "Значение"],
            ["Проведено встреч", 12],
            ["Подписано меморандумов", 3],
        ]
    )
    assert find_header(table, organizations) is None
    assert find_header(Table([]), organizations) is None


def test_one_matching_column_is_not_a_header_unless_the_import_has_one_field(organizations):
    table = Table([["Заголовок"], ["Район", "Показатель"], ["Талгарский", 5]])
    assert find_header(table, organizations) is None
    header = find_header(table, Vocabulary({"district": ["Район"]}))
    assert (header.first, [match.field for match in header.matches]) == (1, ["district", None])


def test_of_rows_matching_alike_the_first_is_the_header(organizations):
    table = Table([["БИН", "Район"], ["БИН", "Район"], ["040140001234", "Талгарский"]])
    assert find_header(table, organizations).first == 0


def test_only_the_first_rows_are_searched(organizations):
    table = Table([[f"Строка {line}"] for line in range(25)] + [["БИН", "Наименование"]])
    assert find_header(table, organizations) is None
    assert find_header(table, organizations, max_rows=30).first == 25


@pytest.mark.parametrize(
    "cells",
    [
        ["Итого:", None, 420],
        [None, "ИТОГО по району", 420],
        [None, "  ", "Всего", 11],
        [12, "Всего по области:"],  # the first text cell, not the first cell
        ["Барлығы", 420],
        ["БАРЛЫГЫ"],
        ["Жиыны:", 5],
        ["Аудан бойынша барлығы", 420],
        ["Total", 420],
        ["Grand total", 420],
    ],
)
def test_total_rows_are_recognised(cells):
    assert is_total_row(cells)


@pytest.mark.parametrize(
    "cells",
    [
        ["040140001234", "ТОО «Итого-Сервис»"],
        ["Итоговая аттестация"],
        ["Всеволод Петров"],
        [None, 420],
        [],
    ],
)
def test_other_rows_are_not_totals(cells):
    assert not is_total_row(cells)


def test_finding_the_header_in_a_hundred_thousand_rows_takes_under_a_tenth_of_a_second(
    organizations,
):
    headers = [
        "№ п/п",
        "БИН",
        "Наименование организации (полное)",
        "Ұйымның атауы",
        "Область",
        "Район",
        "Населённый пункт",
        "Мекенжайы",
        "Списочная численность работников на 01.01",
        "Дата численности",
        "Вид организации",
    ] + [f"Показатель {number}" for number in range(9)]
    rows = [["Приложение 1 к постановлению акимата"] + [None] * 19, [None] * 20, headers]
    rows += [
        [line, f"{line:012d}", f"ТОО «Компания {line}»", f"«Компания {line}» ЖШС", "Алматинская"]
        + ["Талгарский", "Талгар", f"ул. Абая, {line}", line % 500, "01.01.2025", "ТОО"]
        + [line * 1.5] * 9
        for line in range(100_000)
    ]
    # The title across the table, and a name merged over two columns on every line.
    table = Table(rows, merged=[(0, 0, 0, 19)] + [(row, 2, row, 3) for row in range(3, len(rows))])

    def once():
        started = time.perf_counter()
        header = find_header(table, organizations)
        organizations.match_all(header.names)
        return time.perf_counter() - started, header

    # The best of five runs, the collector paused: other work on the machine only adds time.
    gc.disable()
    try:
        runs = [once() for _run in range(5)]
    finally:
        gc.enable()
    seconds = min(elapsed for elapsed, _header in runs)
    header = runs[0][1]
    assert header.first == 2
    assert sum(match.field is not None for match in header.matches) == 10
    assert seconds < 0.1, f"{seconds:.3f} s"
