"""Deterministic demo quotas, people and placements that reproduce the figures of seed article 004.

Karaganda region: quotas at 89 enterprises for 219 workplaces for people with disabilities,
11 special workplaces for group III hearing impairment, and 1,120 people with disabilities covered
by employment measures: 358 placed on vacancies, 15 on social workplaces, 290 on public works and
106 through «Серебряный возраст» (the rest through other measures). Smaller data elsewhere.
"""

import datetime
import random
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from quotas.models import (
    EmploymentMeasure,
    Person,
    Placement,
    Quota,
    QuotaCategory,
    SocialCategory,
    SpecialWorkplace,
)
from registry.models import District, Organization, Region
from registry.validators import complete_identifier

SEED = 2026
YEAR = 2026
RESOLUTION = ("45", datetime.date(YEAR, 1, 15))
# (number of enterprises, list headcount, quota %): 49 x 2 + 39 x 3 + 1 x 4 = 219 places.
KARAGANDA_QUOTAS = [(49, 100, Decimal(2)), (39, 110, Decimal(3)), (1, 130, Decimal(3))]
# People with disabilities covered in Karaganda, by measure (seed 004 names the first four).
KARAGANDA_MEASURES = [
    ("vacancy", 358),
    ("social_workplace", 15),
    ("public_works", 290),
    ("silver_age", 106),
    ("business_grant", 61),
    ("youth_practice", 150),
    ("first_job", 140),
]
QUOTA_PLACES_FILLED = 170
SPECIAL_WORKPLACES = 11
FIRST_NAMES = [
    "Асхат",
    "Айгерим",
    "Ерлан",
    "Динара",
    "Нурлан",
    "Гульнара",
    "Виктор",
    "Ольга",
    "Бауыржан",
    "Жанар",
    "Сергей",
    "Мадина",
    "Арман",
    "Сауле",
    "Тимур",
    "Алия",
]
LAST_NAMES = [
    "Ахметов",
    "Серикова",
    "Колесников",
    "Жумабаева",
    "Ким",
    "Садыков",
    "Иванова",
    "Нургалиев",
    "Омарова",
    "Мясников",
    "Касымова",
    "Есенов",
]


class Command(BaseCommand):
    help = "Load deterministic demo quotas, people and placements; safe to run again."

    def handle(self, *args, **options):
        if Quota.objects.exists():
            self.stdout.write("Demo quotas already present: nothing to add.")
            return
        karaganda = Region.objects.get(kato="350000000")
        employers = list(
            Organization.objects.filter(region=karaganda, kind__code="enterprise").order_by("pk")
        )
        if len(employers) < 89:
            raise CommandError("Load the demo organizations first: manage.py load_demo")
        self.rng = random.Random(SEED)
        self.serials = iter(range(10000))
        self.measures = {measure.code: measure for measure in EmploymentMeasure.objects.all()}
        self.categories = {c.code: c for c in SocialCategory.objects.all()}
        with transaction.atomic():
            quotas = self.karaganda_quotas(employers[:89])
            workplaces = self.special_workplaces(quotas)
            self.karaganda_people(karaganda, quotas, workplaces, employers)
            self.other_regions()
        self.stdout.write(
            f"Loaded {Quota.objects.count()} quotas, {SpecialWorkplace.objects.count()} special "
            f"workplaces, {Person.objects.count()} people, {Placement.objects.count()} placements."
        )

    def karaganda_quotas(self, employers):
        disability = QuotaCategory.objects.get(code="disability")
        plan = [
            (headcount, percent)
            for count, headcount, percent in KARAGANDA_QUOTAS
            for _ in range(count)
        ]
        quotas = []
        for employer, (headcount, percent) in zip(employers, plan, strict=True):
            employer.headcount = headcount
            employer.size_class = Organization.SizeClass.by_headcount(headcount)
            employer._change_reason = "demo data"
            employer.save()
            quotas.append(self.quota(employer, disability, headcount, percent))
        return quotas

    def quota(self, employer, category, headcount, percent):
        quota = Quota(
            organization=employer,
            year=YEAR,
            category=category,
            resolution_number=RESOLUTION[0],
            resolution_date=RESOLUTION[1],
            headcount=headcount,
            percent=percent,
        )
        quota.full_clean()
        quota._change_reason = "demo data"
        quota.save()
        return quota

    def special_workplaces(self, quotas):
        workplaces = []
        for quota in quotas[:SPECIAL_WORKPLACES]:
            workplace = SpecialWorkplace(
                organization=quota.organization,
                position=self.rng.choice(["швея", "оператор ПК", "упаковщик", "сборщик"]),
                impairment="hearing",
                disability_group="3",
                adaptations="световая сигнализация, вибрационные оповещатели, "
                "субтитры в обучающих материалах",
                created_on=datetime.date(YEAR, 2, 1),
                funding="state",
                subsidy_amount=Decimal(1_000_000),
                quota=quota,
            )
            workplace.full_clean()
            workplace.save()
            workplaces.append(workplace)
        return workplaces

    def person(self, region, districts, birth_year, categories):
        birth_date = datetime.date(birth_year, self.rng.randint(1, 12), self.rng.randint(1, 28))
        sex = self.rng.choice(["male", "female"])
        century_digit = {1900: 3, 2000: 5}[birth_year // 100 * 100] + (sex == "female")
        iin = None
        while iin is None:
            iin = complete_identifier(f"{birth_date:%y%m%d}{century_digit}{next(self.serials):04d}")
        last = self.rng.choice(LAST_NAMES)
        person = Person(
            iin=iin,
            full_name=f"{last} {self.rng.choice(FIRST_NAMES)}",
            birth_date=birth_date,
            sex=sex,
            disability_group=self.rng.choice(["1", "2", "3", "3"])
            if "disability" in categories
            else "",
            impairment=self.rng.choice(["hearing", "vision", "musculoskeletal", "other"])
            if "disability" in categories
            else "",
            region=region,
            district=self.rng.choice(districts) if districts else None,
        )
        person.refresh_derived_fields()
        person.demo_categories = categories
        return person

    def save_people(self, people):
        bulk_create_with_history(people, Person, default_change_reason="demo data")
        saved = {p.iin: p for p in Person.objects.filter(iin__in=[p.iin for p in people])}
        links = [
            Person.social_categories.through(
                person_id=saved[p.iin].pk, socialcategory_id=self.categories[code].pk
            )
            for p in people
            for code in p.demo_categories
        ]
        Person.social_categories.through.objects.bulk_create(links)
        return [saved[p.iin] for p in people]

    def karaganda_people(self, region, quotas, workplaces, employers):
        districts = list(District.objects.filter(region=region))
        specs = []
        for code, count in KARAGANDA_MEASURES:
            for _ in range(count):
                silver = code == "silver_age"
                birth_year = (
                    self.rng.randint(1966, 1975) if silver else self.rng.randint(1970, 2004)
                )
                categories = ["disability", "pre_retirement"] if silver else ["disability"]
                specs.append((code, self.person(region, districts, birth_year, categories)))
        people = self.save_people([person for _code, person in specs])
        today = timezone.localdate()
        # Quota places to fill, employer by employer, until QUOTA_PLACES_FILLED are taken;
        # the special workplaces are among them.
        slots = [quota for quota in quotas for _ in range(quota.places)][:QUOTA_PLACES_FILLED]
        self.rng.shuffle(slots)
        placements = []
        workplace_of = {workplace.quota_id: workplace for workplace in workplaces}
        for (code, _person), person in zip(specs, people, strict=True):
            start = datetime.date(YEAR, self.rng.randint(1, 10), self.rng.randint(1, 28))
            start = min(start, today)
            placement = Placement(
                person=person,
                measure=self.measures[code],
                start_on=start,
                position=self.rng.choice(
                    ["оператор", "швея", "разнорабочий", "продавец", "курьер"]
                ),
                referral=self.rng.choice(
                    ["employment_centre", "employment_centre", "chamber", "private_agency", "self"]
                ),
                organization=self.rng.choice(employers),
            )
            if code == "vacancy" and slots:
                quota = slots.pop()
                placement.quota = quota
                placement.organization = quota.organization
                workplace = workplace_of.pop(quota.pk, None)
                if workplace is not None:
                    placement.special_workplace = workplace
            if code == "public_works":
                placement.end_on = min(start + datetime.timedelta(days=90), today)
            placements.append(placement)
        bulk_create_with_history(placements, Placement, default_change_reason="demo data")

    def other_regions(self):
        """A few quotas and placements elsewhere, including the probation and release categories."""
        disability = QuotaCategory.objects.get(code="disability")
        released = QuotaCategory.objects.get(code="released")
        for kato in ["110000000", "190000000", "750000000"]:
            region = Region.objects.get(kato=kato)
            employers = list(
                Organization.objects.filter(
                    region=region, kind__code="enterprise", headcount__gte=50
                ).order_by("pk")[:6]
            )
            people = self.save_people(
                [
                    self.person(region, [], self.rng.randint(1975, 2000), ["disability"])
                    for _ in range(8)
                ]
                + [
                    self.person(region, [], self.rng.randint(1980, 2000), ["released"])
                    for _ in range(3)
                ]
            )
            placements = []
            for index, employer in enumerate(employers):
                quota = self.quota(employer, disability, employer.headcount, Decimal(2))
                if index < 2:
                    self.quota(employer, released, employer.headcount, Decimal(1))
                if index < len(people) - 3 and quota.places:
                    placements.append(
                        Placement(
                            person=people[index],
                            organization=employer,
                            quota=quota,
                            measure=self.measures["vacancy"],
                            start_on=datetime.date(YEAR, 3, 1),
                            position="оператор",
                        )
                    )
            for person in people[-3:]:
                placements.append(
                    Placement(
                        person=person,
                        organization=employers[0],
                        measure=self.measures["vacancy"],
                        start_on=datetime.date(YEAR, 4, 1),
                        position="разнорабочий",
                    )
                )
            bulk_create_with_history(placements, Placement, default_change_reason="demo data")
