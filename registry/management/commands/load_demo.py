"""Deterministic demo data: the seed organizations and generated ones around them."""

import datetime
import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from registry.models import District, LegalForm, Organization, OrganizationKind, Region
from registry.validators import complete_identifier

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "admin"
GENERATED_ORGANIZATIONS = 2000
SEED = 2026

# (BIN prefix: yymm + type 4 + attribute, serial) are made valid by their check digit.
SEED_ORGANIZATIONS = [
    # Akmola: the Kásip-kz presentation (seed 000).
    {
        "name_ru": "ТОО «Гормолзавод»",
        "name_kk": "«Гормолзавод» ЖШС",
        "legal_form": "too",
        "kind": "enterprise",
        "district": "город Кокшетау",
        "oked": "10.51",
        "headcount": 180,
    },
    {
        "name_ru": "АО «Тыныс»",
        "name_kk": "«Тыныс» АҚ",
        "legal_form": "ao",
        "kind": "enterprise",
        "district": "город Кокшетау",
        "oked": "32.50",
        "headcount": 640,
    },
    {
        "name_ru": "АО «КАМАЗ-Инжиниринг»",
        "name_kk": "«КАМАЗ-Инжиниринг» АҚ",
        "legal_form": "ao",
        "kind": "enterprise",
        "district": "город Кокшетау",
        "oked": "29.10",
        "headcount": 520,
    },
    {
        "name_ru": "АО «КАИК»",
        "name_kk": "«КАИК» АҚ",
        "legal_form": "ao",
        "kind": "enterprise",
        "district": "город Кокшетау",
        "oked": "28.30",
        "headcount": 310,
    },
    {
        "name_ru": "АО «ЕПК «Степногорск»",
        "name_kk": "«ЕПК «Степногорск» АҚ",
        "legal_form": "ao",
        "kind": "enterprise",
        "district": "город Степногорск",
        "oked": "28.15",
        "headcount": 450,
    },
    {
        "name_ru": "ТОО «Kásip-kz» (частное агентство занятости)",
        "name_kk": "«Kásip-kz» ЖШС (жеке жұмыспен қамту агенттігі)",
        "short_name": "Kásip-kz",
        "legal_form": "too",
        "kind": "employment_agency",
        "district": "город Кокшетау",
        "oked": "78.10",
        "headcount": 12,
    },
    {
        "name_ru": "Палата предпринимателей Акмолинской области",
        "name_kk": "Ақмола облысының кәсіпкерлер палатасы",
        "short_name": "РПП Акмолинской области",
        "kind": "chamber",
        "district": "город Кокшетау",
        "oked": "94.11",
        "headcount": 45,
        "branch": True,
    },
    {
        "name_ru": "ГУ «Аппарат акима Акмолинской области»",
        "name_kk": "«Ақмола облысы әкімінің аппараты» ММ",
        "short_name": "Акимат Акмолинской области",
        "legal_form": "gu",
        "kind": "state_body",
        "district": "город Кокшетау",
        "oked": "84.11",
        "headcount": 230,
    },
    {
        "name_ru": "КГУ «Центр занятости населения Акмолинской области»",
        "name_kk": "«Ақмола облысының халықты жұмыспен қамту орталығы» КММ",
        "short_name": "Центр занятости Акмолинской области",
        "legal_form": "kgu",
        "kind": "employment_centre",
        "district": "город Кокшетау",
        "oked": "78.10",
        "headcount": 120,
    },
    {
        "name_ru": "Палата предпринимателей Северо-Казахстанской области",
        "name_kk": "Солтүстік Қазақстан облысының кәсіпкерлер палатасы",
        "short_name": "РПП Северо-Казахстанской области",
        "kind": "chamber",
        "region": "59",
        "settlement": "Петропавловск",
        "oked": "94.11",
        "headcount": 40,
        "branch": True,
    },
    # Almaty region, Ile district: the memorandum of mutual understanding (seed 003).
    {
        "name_ru": "ГУ «Аппарат акима Илийского района»",
        "name_kk": "«Іле ауданы әкімінің аппараты» ММ",
        "short_name": "Акимат Илийского района",
        "legal_form": "gu",
        "kind": "state_body",
        "district": "Илийский район",
        "settlement": "с. Өтеген батыр",
        "oked": "84.11",
        "headcount": 85,
    },
    {
        "name_ru": "РГУ «Департамент Комитета труда, социальной защиты и миграции "
        "по Алматинской области»",
        "name_kk": "«Еңбек, әлеуметтік қорғау және көші-қон комитетінің Алматы облысы "
        "бойынша департаменті» РММ",
        "legal_form": "rgu",
        "kind": "state_body",
        "district": "город Конаев",
        "oked": "84.12",
        "headcount": 60,
    },
    {
        "name_ru": "ТОО «Филип Моррис Казахстан»",
        "name_kk": "«Филип Моррис Қазақстан» ЖШС",
        "legal_form": "too",
        "kind": "enterprise",
        "district": "Илийский район",
        "settlement": "с. Өтеген батыр",
        "oked": "12.00",
        "headcount": 980,
    },
    {
        "name_ru": "ОО «Социально-гражданский базис «Болашак»",
        "name_kk": "«Болашақ» әлеуметтік-азаматтық базисі» қоғамдық бірлестігі",
        "short_name": "ОО «Болашак»",
        "legal_form": "oo",
        "kind": "ngo",
        "district": "Илийский район",
        "oked": "94.99",
        "headcount": 14,
    },
    {
        "name_ru": "Политехнический колледж «Прогресс»",
        "name_kk": "«Прогресс» политехникалық колледжі",
        "kind": "education",
        "district": "Илийский район",
        "oked": "85.32",
        "headcount": 95,
    },
    # National and Karaganda partners (seeds 001, 002, 004).
    {
        "name_ru": "НАО «Национальная палата предпринимателей Республики Казахстан «Атамекен»",
        "name_kk": "«Қазақстан Республикасының «Атамекен» ұлттық кәсіпкерлер палатасы» КЕАҚ",
        "short_name": "НПП «Атамекен»",
        "legal_form": "nao",
        "kind": "chamber",
        "region": "71",
        "settlement": "Астана",
        "oked": "94.11",
        "headcount": 900,
    },
    {
        "name_ru": "ГУ «Управление координации занятости и социальных программ "
        "Карагандинской области»",
        "name_kk": "«Қарағанды облысының жұмыспен қамтуды үйлестіру және әлеуметтік "
        "бағдарламалар басқармасы» ММ",
        "legal_form": "gu",
        "kind": "state_body",
        "district": "город Караганда",
        "oked": "84.12",
        "headcount": 70,
    },
    {
        "name_ru": "ТОО «Терриконовая долина»",
        "name_kk": "«Терриконовая долина» ЖШС",
        "legal_form": "too",
        "kind": "education",
        "district": "город Караганда",
        "oked": "85.59",
        "headcount": 35,
    },
]

NAME_WORDS = [
    ("Алтын Дала", "Алтын Дала"),
    ("Сарыарка", "Сарыарқа"),
    ("Береке", "Береке"),
    ("Нур Строй", "Нұр Құрылыс"),
    ("Кайнар", "Қайнар"),
    ("Асыл Тас", "Асыл Тас"),
    ("Жетысу Агро", "Жетісу Агро"),
    ("Степь Транс", "Дала Транс"),
    ("Казах Текстиль", "Қазақ Тоқыма"),
    ("Достык", "Достық"),
    ("Самал", "Самал"),
    ("Байтерек", "Бәйтерек"),
    ("Шапагат", "Шапағат"),
    ("Ак Бидай", "Ақ Бидай"),
    ("Есиль Сервис", "Есіл Сервис"),
    ("Тау Кен", "Тау Кен"),
    ("Жасыл Ел", "Жасыл Ел"),
    ("Кокше Молоко", "Көкше Сүт"),
    ("Бирлик", "Бірлік"),
    ("Талап", "Талап"),
]
NAME_SUFFIXES = [
    ("", ""),
    (" Групп", " Групп"),
    (" Плюс", " Плюс"),
    (" Инвест", " Инвест"),
    (" Казахстан", " Қазақстан"),
    (" Центр", " Орталығы"),
]
OKED_CODES = [
    "01.11",
    "10.71",
    "16.10",
    "23.61",
    "25.11",
    "41.20",
    "46.90",
    "47.11",
    "49.41",
    "55.10",
    "56.10",
    "62.01",
    "68.20",
    "71.12",
    "81.21",
    "85.31",
    "86.10",
    "96.02",
]


class Command(BaseCommand):
    help = "Load deterministic demo data and a demo superuser; safe to run again."

    def handle(self, *args, **options):
        self.ensure_demo_user()
        if Organization.objects.exists():
            self.stdout.write("Demo organizations already present: nothing to add.")
            return
        with transaction.atomic():
            bins = self.bins(random.Random(SEED))
            organizations = [*self.seed_organizations(bins), *self.generated_organizations(bins)]
            legal_forms = LegalForm.objects.words()
            for organization in organizations:
                # The legal forms read once, not for each of them.
                organization._legal_forms = legal_forms
                organization.refresh_derived_fields()
                organization.full_clean()
            bulk_create_with_history(
                organizations, Organization, batch_size=500, default_change_reason="demo data"
            )
        self.stdout.write(f"Loaded {len(organizations)} demo organizations.")

    def ensure_demo_user(self):
        user_model = get_user_model()
        if not user_model.objects.filter(username=DEMO_USERNAME).exists():
            user_model.objects.create_superuser(DEMO_USERNAME, "admin@example.kz", DEMO_PASSWORD)
        self.stdout.write(
            f"Demo superuser: login {DEMO_USERNAME!r}, password {DEMO_PASSWORD!r} "
            "(for this local demo only)."
        )

    def bins(self, rng):
        used = set()
        while True:
            year = rng.randint(0, 24)
            month = rng.randint(1, 12)
            serial = rng.randint(0, 99999)
            number = complete_identifier(f"{year:02d}{month:02d}40{serial:05d}")
            if number and number not in used:
                used.add(number)
                yield number

    def seed_organizations(self, bins):
        legal_forms = {form.code: form for form in LegalForm.objects.all()}
        kinds = {kind.code: kind for kind in OrganizationKind.objects.all()}
        districts = {district.name_ru: district for district in District.objects.all()}
        regions = {region.kato[:2]: region for region in Region.objects.all()}
        for spec in SEED_ORGANIZATIONS:
            spec = dict(spec)
            district = districts.get(spec.pop("district", None))
            region = district.region if district else regions[spec.pop("region")]
            branch = spec.pop("branch", False)
            number = next(bins)
            if branch:
                # A branch of a legal entity: the 6th digit of its BIN is 1.
                number = next(
                    candidate
                    for candidate in (
                        complete_identifier(f"{number[:5]}1{serial:05d}")
                        for serial in range(int(number[6:11]), 100000)
                    )
                    if candidate
                )
            headcount = spec.pop("headcount")
            yield Organization(
                bin=number,
                legal_form=legal_forms.get(spec.pop("legal_form", None)),
                kind=kinds[spec.pop("kind")],
                region=region,
                district=district,
                headcount=headcount,
                headcount_date=datetime.date(2026, 1, 1),
                size_class=Organization.SizeClass.by_headcount(headcount),
                **spec,
            )

    def generated_organizations(self, bins):
        rng = random.Random(SEED + 1)
        regions = list(Region.objects.all())
        districts_by_region = {}
        for district in District.objects.all():
            districts_by_region.setdefault(district.region_id, []).append(district)
        legal_forms = {form.code: form for form in LegalForm.objects.all()}
        enterprise = OrganizationKind.objects.get(code="enterprise")
        seen_names = set()
        for index in range(GENERATED_ORGANIZATIONS):
            region = regions[index % len(regions)]
            district = rng.choice(districts_by_region.get(region.pk, [None]))
            (word_ru, word_kk), (suffix_ru, suffix_kk) = (
                rng.choice(NAME_WORDS),
                rng.choice(NAME_SUFFIXES),
            )
            form = legal_forms[rng.choice(["too", "too", "too", "ao", "ip", "pk"])]
            base_ru, base_kk = f"{word_ru}{suffix_ru}", f"{word_kk}{suffix_kk}"
            if (form.code, base_ru, region.pk) in seen_names:
                base_ru, base_kk = f"{base_ru}-{index}", f"{base_kk}-{index}"
            seen_names.add((form.code, base_ru, region.pk))
            headcount = rng.choice([rng.randint(1, 15), rng.randint(16, 100), rng.randint(50, 400)])
            liquidated = rng.random() < 0.03
            yield Organization(
                bin=next(bins),
                name_ru=f"{form.abbr_ru} «{base_ru}»",
                name_kk=f"«{base_kk}» {form.abbr_kk}",
                legal_form=form,
                kind=enterprise,
                region=region,
                district=district,
                oked=rng.choice(OKED_CODES),
                headcount=headcount,
                headcount_date=datetime.date(2026, 1, 1),
                size_class=Organization.SizeClass.by_headcount(headcount),
                status=(
                    Organization.Status.LIQUIDATED if liquidated else Organization.Status.ACTIVE
                ),
                liquidated_on=datetime.date(2025, 6, 30) if liquidated else None,
            )
