"""Deterministic synthetic data at national proportions, written through bulk paths.

PostgreSQL takes the rows through COPY, SQLite through bulk inserts. Every row also gets its
history record ("created"), as an import would leave. Valid BINs and IINs, every region and
district. For benchmarks, not for a database people work in.
"""

import contextlib
import datetime
import random
import sys
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from config.spreadsheets.bulk import record_history_in_bulk
from memoranda.models import Commitment, Indicator, Memorandum, MemorandumKind, Party
from quotas.models import EmploymentMeasure, Person, Placement, Quota, QuotaCategory
from registry.models import (
    District,
    LegalForm,
    OkedSection,
    Organization,
    OrganizationKind,
    Region,
    SizeClass,
)
from registry.search import fold, organization_texts
from registry.validators import complete_identifier

BATCH = 20_000
SURNAMES = ["Ахметов", "Серикова", "Ким", "Иванова", "Нургалиев", "Омарова", "Садыков"]
WORDS = [
    "Алтын",
    "Сарыарка",
    "Береке",
    "Нур",
    "Кайнар",
    "Асыл",
    "Жетысу",
    "Степь",
    "Достык",
    "Самал",
    "Байтерек",
    "Шапагат",
    "Бирлик",
    "Талап",
    "Есиль",
    "Тау",
    "Жасыл",
    "Кокше",
    "Арман",
    "Болашак",
    "Сункар",
    "Акжол",
    "Мерей",
    "Кемел",
]
TAILS = ["Строй", "Агро", "Транс", "Сервис", "Групп", "Инвест", "Трейд", "Пром", "Энерго", "Мед"]


class Command(BaseCommand):
    help = "Generate synthetic organizations, quotas, people and placements for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--organizations", type=int, default=0)
        parser.add_argument("--quotas", type=int, default=0)
        parser.add_argument("--persons", type=int, default=0)
        parser.add_argument("--placements", type=int, default=0)
        parser.add_argument("--memoranda", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, organizations, quotas, persons, placements, memoranda, seed, **options):
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.written = 0
        started = time.monotonic()
        with transaction.atomic(), self.loaded_in_bulk():
            if organizations:
                self.organizations(organizations)
            if quotas:
                self.quotas(quotas)
            if persons:
                self.persons(persons)
            if placements:
                self.placements(placements)
            if memoranda:
                self.memoranda(memoranda)
        seconds = time.monotonic() - started
        self.stderr.write("")
        self.stdout.write(
            f"Wrote {self.written} rows (history included) in {seconds:.1f} s: "
            f"{self.written / max(seconds, 1e-9):,.0f} rows/s."
        )

    # Writing

    @contextlib.contextmanager
    def loaded_in_bulk(self):
        """On PostgreSQL, the written tables' foreign keys and plain indexes are set aside and
        made again at the end, as PostgreSQL's "Populating a Database" advises.

        Adding a key back checks every row in one join instead of row by row at commit (a
        quarter of the run); an index built once is cheaper than one kept up to date through
        millions of inserts. Unique indexes stay, so duplicates still fail as they are written.
        All of it happens in this command's transaction: no other session sees the tables
        without their keys, and a row that breaks one fails the whole run.
        """
        if connection.vendor != "postgresql":
            yield
            return
        written = (Organization, Quota, Person, Placement, Memorandum, Party, Commitment)
        tables = [m._meta.db_table for model in written for m in (model, model.history.model)]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
                [tables],
            )
            keys = cursor.fetchall()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisunique AND NOT indisprimary",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _definition in keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for name, definition in indexes:
                self.stderr.write(f"\rindex {name:<60}", ending="")
                cursor.execute(definition)
            for table, name, definition in keys:
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
        self.stderr.write("")

    def next_id(self, model):
        last = model._base_manager.order_by("-pk").values_list("pk", flat=True).first()
        return (last or 0) + 1

    def write(self, model, rows, label):
        """Rows (dicts by column name, ids included), then their "created" history records."""
        self.copy(model, rows, label)
        if rows:
            # History copied inside the database: the rows never travel back through Python.
            record_history_in_bulk(
                model, [row["id"] for row in rows], "+", reason="generate_scale", date=self.now
            )
            self.written += len(rows)
        self.progress(f"{label} history", len(rows), len(rows))

    def copy(self, model, rows, label):
        columns = [field.column for field in model._meta.concrete_fields]
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        total = len(rows)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # A thread sends the data, so the next rows are made while the server stores these.
                with cursor.cursor.copy(
                    f"COPY {table} ({names}) FROM STDIN",
                    writer=QueuedLibpqWriter(cursor.cursor),
                ) as copy:
                    for done, row in enumerate(rows, 1):
                        copy.write_row([row.get(column) for column in columns])
                        if done % BATCH == 0:
                            self.progress(label, done, total)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"
                for start in range(0, total, BATCH):
                    chunk = rows[start : start + BATCH]
                    cursor.executemany(sql, [[row.get(c) for c in columns] for row in chunk])
                    self.progress(label, min(start + BATCH, total), total)
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"(SELECT MAX(id) FROM {table}))",
                    [model._meta.db_table],
                )
        self.progress(label, total, total)
        self.written += total

    def progress(self, label, done, total, width=30):
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r{label:<22} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    # Data

    def bins(self):
        for year in range(0, 25):
            for month in range(1, 13):
                for serial in range(100_000):
                    number = complete_identifier(f"{year:02d}{month:02d}40{serial:05d}")
                    if number:
                        yield number

    def organizations(self, count):
        existing = set(Organization.objects.values_list("bin", flat=True))
        districts = {}
        for district in District.objects.all():
            districts.setdefault(district.region_id, []).append(district.pk)
        regions = list(Region.objects.values_list("pk", flat=True))
        forms = list(LegalForm.objects.values_list("pk", "abbr_ru"))
        legal_forms = LegalForm.objects.words()
        enterprise = OrganizationKind.objects.get(code="enterprise").pk
        kinds = list(OrganizationKind.objects.values_list("pk", flat=True))
        sections = list(OkedSection.objects.values_list("pk", "first_division"))
        bins = (number for number in self.bins() if number not in existing)
        next_id = self.next_id(Organization)
        rows = []
        for index in range(count):
            form_id, abbr = self.rng.choice(forms)
            region = regions[index % len(regions)]
            name = f"{abbr} «{self.rng.choice(WORDS)} {self.rng.choice(TAILS)}-{index}»"
            headcount = int(self.rng.paretovariate(1.2) * 8)
            section_id, division = self.rng.choice(sections)
            number = next(bins)
            search_text, sort_name = organization_texts(legal_forms, number, name, "", "", abbr)
            rows.append(
                {
                    "id": next_id + index,
                    "bin": number,
                    "name_ru": name,
                    "name_kk": "",
                    "short_name": "",
                    "legal_form_id": form_id,
                    "kind_id": enterprise if self.rng.random() < 0.9 else self.rng.choice(kinds),
                    "region_id": region,
                    "district_id": self.rng.choice(districts.get(region, [None])),
                    "settlement": "",
                    "address": "",
                    "oked": f"{division:02d}.10",
                    "oked_section_id": section_id,
                    "size_class": SizeClass.by_headcount(headcount),
                    "size_class_by_hand": False,
                    "headcount": headcount,
                    "headcount_date": datetime.date(2026, 1, 1),
                    "contact_person": "",
                    "phone": "",
                    "email": "",
                    "status": "active",
                    "liquidated_on": None,
                    "notes": "",
                    "search_text": search_text,
                    "sort_name": sort_name,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
        self.write(Organization, rows, "organizations")

    def quotas(self, count):
        """Disability quotas for every large enough employer first, then the other categories."""
        next_id = self.next_id(Quota)
        rows = []
        for category in QuotaCategory.objects.order_by("pk"):
            taken = Quota.objects.filter(category=category, year=2026).values("organization")
            employers = (
                Organization.objects.filter(headcount__gte=50, kind__code="enterprise")
                .exclude(pk__in=taken)
                .order_by("pk")
                .values_list("pk", "headcount")[: count - len(rows)]
            )
            for organization, headcount in employers:
                percent = Decimal(2 if headcount <= 100 else 3 if headcount <= 250 else 4)
                percent = min(max(percent, category.min_percent), category.max_percent)
                rows.append(
                    {
                        "id": next_id + len(rows),
                        "organization_id": organization,
                        "year": 2026,
                        "category_id": category.pk,
                        "resolution_number": "1",
                        "resolution_date": datetime.date(2026, 1, 15),
                        "headcount": headcount,
                        "excluded_headcount": 0,
                        "disabled_employees": None,
                        "percent": percent,
                        "computed_places": category.places_for(headcount, percent),
                        "stated_places": None,
                        "override_reason": "",
                        "notes": "",
                    }
                )
            if len(rows) >= count:
                break
        self.write(Quota, rows, "quotas")

    def persons(self, count):
        regions = list(Region.objects.values_list("pk", flat=True))
        # IINs already registered (the demo people, say) are skipped, as BINs are: the same
        # database gives the same people.
        existing = set(Person.objects.values_list("iin", flat=True))
        used = {}
        next_id = self.next_id(Person)
        rows = []
        while len(rows) < count:
            birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=self.rng.randrange(16_000))
            sex_digit = {1900: 3, 2000: 5}[birth.year // 100 * 100] + self.rng.randrange(2)
            key = (birth, sex_digit)
            serial = used.get(key, 0)
            used[key] = serial + 1
            iin = complete_identifier(f"{birth:%y%m%d}{sex_digit}{serial:04d}")
            if iin is None or iin in existing:
                continue
            name = f"{self.rng.choice(SURNAMES)} {len(rows)}"
            rows.append(
                {
                    "id": next_id + len(rows),
                    "iin": iin,
                    "full_name": name,
                    "birth_date": birth,
                    "sex": "male" if sex_digit % 2 else "female",
                    "disability_group": self.rng.choice(["1", "2", "3", "3", ""]),
                    "impairment": "other",
                    "region_id": self.rng.choice(regions),
                    "district_id": None,
                    "phone": "",
                    "email": "",
                    "search_text": fold(f"{name} {iin}"),
                }
            )
        self.write(Person, rows, "persons")

    def placements(self, count):
        people = list(Person.objects.order_by("pk").values_list("pk", flat=True)[:count])
        quotas = list(Quota.objects.values_list("pk", "organization_id", "computed_places"))
        organizations = list(Organization.objects.values_list("pk", flat=True)[:200_000])
        measures = list(EmploymentMeasure.objects.values_list("pk", flat=True))
        slots = [(pk, organization) for pk, organization, places in quotas for _ in range(places)]
        self.rng.shuffle(slots)
        next_id = self.next_id(Placement)
        rows = []
        for index in range(count):
            quota, organization = slots.pop() if slots and index % 3 == 0 else (None, None)
            start = datetime.date(2026, 1, 1) + datetime.timedelta(days=self.rng.randrange(300))
            rows.append(
                {
                    "id": next_id + index,
                    "person_id": people[index % len(people)],
                    "organization_id": organization or self.rng.choice(organizations),
                    "measure_id": self.rng.choice(measures),
                    "position": "оператор",
                    "start_on": start,
                    "end_on": None
                    if self.rng.random() < 0.7
                    else start + datetime.timedelta(days=90),
                    "end_reason": "",
                    "quota_id": quota,
                    "special_workplace_id": None,
                    "referral": "employment_centre",
                    "salary": None,
                }
            )
        self.write(Placement, rows, "placements")

    def memoranda(self, count):
        """Each memorandum joins two or three organizations of one region, with one or two
        commitments of its parties."""
        by_region = {}
        for pk, region in Organization.objects.order_by("pk").values_list("pk", "region_id")[
            :200_000
        ]:
            by_region.setdefault(region, []).append(pk)
        regions = sorted(region for region, members in by_region.items() if len(members) > 1)
        kinds = list(MemorandumKind.values)
        indicators = [value for value in Indicator.values if value != Indicator.OTHER]
        next_memorandum = self.next_id(Memorandum)
        next_party = self.next_id(Party)
        next_commitment = self.next_id(Commitment)
        memoranda, parties, commitments = [], [], []
        for index in range(count):
            region = regions[index % len(regions)]
            signed = datetime.date(2022, 1, 1) + datetime.timedelta(days=self.rng.randrange(1700))
            number = f"GS-{next_memorandum + index}"
            title = f"Меморандум о сотрудничестве в сфере занятости №{index}"
            memorandum = next_memorandum + index
            memoranda.append(
                {
                    "id": memorandum,
                    "number": number,
                    "title_ru": title,
                    "title_kk": "",
                    "kind": self.rng.choice(kinds),
                    "subject": "",
                    "signed_on": signed,
                    "signed_settlement": "",
                    "signed_region_id": region,
                    "valid_from": signed,
                    "valid_until": signed + datetime.timedelta(days=365 * self.rng.randint(1, 3)),
                    "auto_prolongation": False,
                    "terminated_on": None,
                    "termination_reason": "",
                    "programmes": "",
                    "curator_id": None,
                    "notes": "",
                    "search_text": fold(f"{number} {title} "),
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            members = self.rng.sample(by_region[region], min(3, len(by_region[region])))
            members = members[: self.rng.randint(2, len(members))]
            for organization in members:
                parties.append(
                    {
                        "id": next_party + len(parties),
                        "memorandum_id": memorandum,
                        "organization_id": organization,
                        "role": "party",
                        "signatory_name": "",
                        "signatory_position": "",
                        "signed_on": signed,
                    }
                )
            for organization in members[: self.rng.randint(1, 2)]:
                commitments.append(
                    {
                        "id": next_commitment + len(commitments),
                        "memorandum_id": memorandum,
                        "responsible_id": organization,
                        "text": "Трудоустроить выпускников",
                        "indicator": self.rng.choice(indicators),
                        "unit": "",
                        "target": Decimal(self.rng.randint(1, 50)),
                        "due_on": signed + datetime.timedelta(days=365),
                    }
                )
        self.write(Memorandum, memoranda, "memoranda")
        self.write(Party, parties, "parties")
        self.write(Commitment, commitments, "commitments")
