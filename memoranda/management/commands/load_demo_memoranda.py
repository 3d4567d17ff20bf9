"""Deterministic demo memoranda: the seed articles' ones and generated ones."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from memoranda.models import Commitment, CommitmentReport, Memorandum, Party
from registry.models import Organization, Region

GENERATED = 60
SEED = 2026

# Parties are named by the start of their Russian name in the demo registry.
SEED_MEMORANDA = [
    {
        "number": "АКМ-2018/11-01",
        "kind": Memorandum.Kind.COOPERATION,
        "title_ru": "О сотрудничестве в сфере занятости: частное агентство занятости «Kásip-kz»",
        "title_kk": "«Kásip-kz» жеке жұмыспен қамту агенттігі: жұмыспен қамту саласындағы "
        "ынтымақтастық туралы",
        "signed_on": datetime.date(2018, 11, 28),
        "valid_until": datetime.date(2021, 12, 31),
        "place": ("Кокшетау", "110000000"),
        "programmes": "Kásip-kz: внутрирегиональное, межрегиональное и международное направления",
        "parties": [
            ("Палата предпринимателей Акмолинской", "initiator"),
            ("ГУ «Аппарат акима Акмолинской", "party"),
            ("Палата предпринимателей Северо-Казахстанской", "party"),
            ("КГУ «Центр занятости населения Акмолинской", "party"),
            ("ТОО «Kásip-kz»", "partner"),
        ],
        "commitments": [
            (
                "ТОО «Kásip-kz»",
                "Закрыть вакансии, выявленные мониторингом 250 предприятий области",
                Commitment.Indicator.PEOPLE_EMPLOYED,
                "чел.",
                2000,
                datetime.date(2019, 12, 31),
                [(datetime.date(2019, 6, 30), 640), (datetime.date(2019, 12, 20), 810)],
            ),
        ],
    },
    {
        "number": "АКМ-2018/11-02",
        "kind": Memorandum.Kind.COOPERATION,
        "title_ru": "О сотрудничестве предприятий Акмолинской области с РПП и агентством "
        "«Kásip-kz»",
        "title_kk": "Ақмола облысы кәсіпорындарының ӨКП және «Kásip-kz» агенттігімен "
        "ынтымақтастығы туралы",
        "signed_on": datetime.date(2018, 11, 28),
        "valid_until": datetime.date(2019, 11, 27),
        "auto_prolongation": True,
        "place": ("Кокшетау", "110000000"),
        "parties": [
            ("Палата предпринимателей Акмолинской", "initiator"),
            ("ТОО «Kásip-kz»", "partner"),
            ("ТОО «Гормолзавод»", "party"),
            ("АО «Тыныс»", "party"),
            ("АО «КАМАЗ-Инжиниринг»", "party"),
            ("АО «КАИК»", "party"),
            ("АО «ЕПК «Степногорск»", "party"),
        ],
        "commitments": [],
    },
    {
        "number": "ИЛЕ-2019/01",
        "kind": Memorandum.Kind.MUTUAL_UNDERSTANDING,
        "title_ru": "О взаимопонимании в целях повышения уровня социальной жизни населения "
        "Илийского района",
        "title_kk": "Іле ауданы халқының әлеуметтік өмір деңгейін жақсартуға бағытталған "
        "Өзара түсіністік туралы",
        "signed_on": datetime.date(2019, 2, 1),
        "valid_until": datetime.date(2027, 1, 31),
        "place": ("с. Өтеген батыр", "190000000"),
        "programmes": "Поддержка ветеранов; «Обучение в Центре языков мира»; "
        "«Центр развития бизнес-идей Илийского района»",
        "parties": [
            ("ГУ «Аппарат акима Илийского", "party", "Медеуов Қ. Ө.", "аким Илийского района"),
            ("РГУ «Департамент Комитета труда", "party", "Агибетов З. Б.", "руководитель"),
            (
                "ТОО «Филип Моррис",
                "party",
                "Жетписова А. К.",
                "директор по связям с общественностью",
            ),
            ("ОО «Социально-гражданский базис", "party", "Бекходжаева М. Н.", "исп. директор"),
            ("Политехнический колледж «Прогресс»", "party", "Телпекбаева Ж. Т.", "директор"),
        ],
        "commitments": [
            (
                "Политехнический колледж «Прогресс»",
                "Обучить людей с особыми потребностями профессиям швеи, пекаря, массажиста, "
                "компьютерной грамотности",
                Commitment.Indicator.PEOPLE_TRAINED,
                "чел.",
                200,
                datetime.date(2026, 12, 31),
                [(datetime.date(2024, 12, 31), 150), (datetime.date(2025, 12, 31), 64)],
            ),
            (
                "ОО «Социально-гражданский базис",
                "Отобрать на конкурсной основе 25 желающих открыть своё дело",
                Commitment.Indicator.OTHER,
                "чел.",
                25,
                datetime.date(2026, 12, 31),
                [(datetime.date(2026, 3, 1), 25)],
            ),
            (
                "ТОО «Филип Моррис",
                "Софинансировать 3 лучшие бизнес-идеи по итогам обучения",
                Commitment.Indicator.OTHER,
                "проект",
                3,
                datetime.date(2026, 6, 30),
                [(datetime.date(2026, 5, 15), 2)],
            ),
        ],
    },
]


class Command(BaseCommand):
    help = "Load deterministic demo memoranda; safe to run again."

    def handle(self, *args, **options):
        if Memorandum.objects.exists():
            self.stdout.write("Demo memoranda already present: nothing to add.")
            return
        if not Organization.objects.exists():
            raise CommandError("Load the demo organizations first: manage.py load_demo")
        curator = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        with transaction.atomic():
            for spec in SEED_MEMORANDA:
                self.create(spec, curator)
            for spec in self.generated():
                self.create(spec, curator)
        self.stdout.write(f"Loaded {Memorandum.objects.count()} demo memoranda.")

    def organization(self, name_start):
        return Organization.objects.filter(name_ru__startswith=name_start).order_by("pk").first()

    def create(self, spec, curator):
        settlement, region = spec.get("place", ("", None))
        memorandum = Memorandum(
            number=spec["number"],
            kind=spec["kind"],
            title_ru=spec["title_ru"],
            title_kk=spec.get("title_kk", ""),
            signed_on=spec["signed_on"],
            valid_until=spec.get("valid_until"),
            auto_prolongation=spec.get("auto_prolongation", False),
            signed_settlement=settlement,
            signed_region=Region.objects.filter(kato=region).first() if region else None,
            programmes=spec.get("programmes", ""),
            curator=curator,
        )
        memorandum.full_clean()
        memorandum.save()
        for name, role, *signatory in spec["parties"]:
            organization = name if isinstance(name, Organization) else self.organization(name)
            party = Party(
                memorandum=memorandum,
                organization=organization,
                role=role,
                signatory_name=signatory[0] if signatory else "",
                signatory_position=signatory[1] if signatory else "",
                signed_on=spec["signed_on"],
            )
            party.full_clean()
            party.save()
        for responsible, text, indicator, unit, target, due_on, reports in spec["commitments"]:
            if not isinstance(responsible, Organization):
                responsible = self.organization(responsible)
            commitment = Commitment(
                memorandum=memorandum,
                responsible=responsible,
                text=text,
                indicator=indicator,
                unit=unit,
                target=Decimal(target),
                due_on=due_on,
            )
            commitment.full_clean()
            commitment.save()
            for reported_on, value in reports:
                report = CommitmentReport(
                    commitment=commitment, value=Decimal(value), reported_on=reported_on
                )
                report.full_clean()
                report.save()

    def generated(self):
        rng = random.Random(SEED)
        today = timezone.localdate()
        organizations = list(Organization.objects.filter(kind__code="enterprise").order_by("pk"))
        chambers = list(Organization.objects.filter(kind__code__in=["chamber", "state_body"]))
        for index in range(1, GENERATED + 1):
            signed_on = today - datetime.timedelta(days=rng.randint(60, 1500))
            # A spread of end dates: long expired, expiring within 30 and 90 days, open-ended.
            valid_until = rng.choice(
                [
                    signed_on + datetime.timedelta(days=365),
                    today + datetime.timedelta(days=rng.randint(1, 30)),
                    today + datetime.timedelta(days=rng.randint(31, 90)),
                    today + datetime.timedelta(days=rng.randint(91, 900)),
                    None,
                ]
            )
            initiator = rng.choice(chambers)
            partners = rng.sample(organizations, rng.randint(1, 3))
            due_on = signed_on + datetime.timedelta(days=rng.randint(90, 700))
            target = rng.choice([5, 10, 20, 50])
            achieved = rng.choice([0, target // 2, target])
            yield {
                "number": f"ДЕМО-{signed_on.year}/{index:03d}",
                "kind": rng.choice(Memorandum.Kind.values),
                "title_ru": f"О сотрудничестве в сфере занятости № {index}",
                "title_kk": f"Жұмыспен қамту саласындағы ынтымақтастық туралы № {index}",
                "signed_on": signed_on,
                "valid_until": valid_until,
                "parties": [(initiator, "initiator")] + [(p, "party") for p in partners],
                "commitments": [
                    (
                        partners[0],
                        "Трудоустроить выпускников колледжей",
                        Commitment.Indicator.PEOPLE_EMPLOYED,
                        "чел.",
                        target,
                        due_on,
                        [(min(due_on, today), achieved)] if achieved else [],
                    )
                ],
            }
