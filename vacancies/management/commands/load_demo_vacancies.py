"""Deterministic demo vacancies and job seekers that reproduce seed articles 000 and 001.

Article 000: in November 2018 the Akmola regional chamber surveyed 250 companies of the region and
found 2,000 vacant places; «Kásip-kz», the chamber's private employment agency, recruits within
Akmola and from the labour-surplus south (Almaty, Zhambyl, Turkestan, Kyzylorda regions, Shymkent).
The survey's lines publish those places into the vacancy register; «Гормолзавод», «Тыныс»,
«КАМАЗ-Инжиниринг», «КАИК» and «ЕПК «Степногорск» are among the respondents. Article 001: the
«Атамекен» support centres in Astana, Almaty and Shymkent register job seekers, refer them to
vacancies and, when none fits, to short courses held at enterprises.

In 2026 employers with quotas (load_demo_quotas) post vacancies with places reserved for their
quota categories; seekers of those categories hired on them become placements counted toward the
quotas, through `Referral.record_outcome` as staff would record them.
"""

import datetime
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from quotas.models import EmploymentMeasure, Person, Quota, SocialCategory
from registry.management.commands.load_demo import SEED_ORGANIZATIONS
from registry.models import District, LegalForm, Organization, OrganizationKind, Region
from registry.validators import complete_identifier
from vacancies.models import (
    EducationLevel,
    Experience,
    JobSeeker,
    Language,
    NatureOfWork,
    Occupation,
    Referral,
    ReferralOutcome,
    Reservation,
    Schedule,
    SeekerRegistration,
    Skill,
    SurveyCampaign,
    SurveyLine,
    SurveyResponse,
    Vacancy,
    VacancySource,
)

SEED = 2018
REASON = "demo data"
AKMOLA = "110000000"
# Where «Kásip-kz» recruits beyond Akmola (article 000).
LABOUR_SURPLUS = ["190000000", "310000000", "610000000", "430000000", "790000000"]
# Where the «Атамекен» support centres opened (article 001): Astana, Almaty, Shymkent.
SUPPORT_CITIES = ["710000000", "750000000", "790000000"]

CAMPAIGN = {
    "title": "Мониторинг потребности предприятий Акмолинской области в кадрах",
    "starts_on": datetime.date(2018, 11, 1),
    "ends_on": datetime.date(2018, 11, 30),
    "notes": "Опрос 250 предприятий региональной палатой предпринимателей: 2 000 вакантных "
    "мест; потребность области — около 10 000 работников.",
}
SURVEYED = 250
VACANT_PLACES = 2000

CHAMBER = "Палата предпринимателей Акмолинской области"
AGENCY = "ТОО «Kásip-kz» (частное агентство занятости)"
ATAMEKEN = "НАО «Национальная палата предпринимателей Республики Казахстан «Атамекен»"
SEED_COMPANIES = [
    "ТОО «Гормолзавод»",
    "АО «Тыныс»",
    "АО «КАМАЗ-Инжиниринг»",
    "АО «КАИК»",
    "АО «ЕПК «Степногорск»",
]

# What the seed companies answered: (occupation, position as they name it, vacant, planned).
SEED_LINES = {
    "ТОО «Гормолзавод»": [
        ("8160", "оператор линии розлива молока", 12, 6),
        ("8332", "водитель молоковоза", 5, 2),
        ("3115", "техник-механик", 2, 1),
        ("9329", "разнорабочий цеха", 8, 4),
    ],
    "АО «Тыныс»": [
        ("8211", "сборщик медицинского оборудования", 15, 10),
        ("7223", "токарь-универсал", 10, 6),
        ("7212", "электрогазосварщик", 6, 4),
        ("3115", "техник-технолог", 4, 2),
        ("2144", "инженер-конструктор", 3, 2),
        ("7411", "электромонтажник", 3, 1),
    ],
    "АО «КАМАЗ-Инжиниринг»": [
        ("8211", "сборщик автомобилей", 25, 20),
        ("7212", "сварщик кузовов", 12, 8),
        ("7231", "автослесарь", 8, 4),
        ("3115", "мастер участка сборки", 5, 2),
        ("7411", "электромонтажник", 4, 2),
        ("8344", "водитель погрузчика", 3, 1),
    ],
    "АО «КАИК»": [
        ("8211", "сборщик сельхозтехники", 10, 8),
        ("7212", "электросварщик", 8, 5),
        ("7223", "фрезеровщик", 6, 3),
        ("7233", "слесарь-ремонтник", 6, 2),
        ("2144", "инженер-механик", 2, 1),
    ],
    "АО «ЕПК «Степногорск»": [
        ("7223", "токарь (подшипниковое производство)", 15, 10),
        ("7543", "контролёр ОТК", 4, 2),
        ("3115", "техник-механик", 3, 2),
        ("7411", "электромонтёр", 3, 1),
        ("9329", "подсобный рабочий", 6, 3),
    ],
}

# Occupations (ISCO-08 unit groups) that employers of an OKED division ask for, and those any
# employer may; a position as employers name it for each.
BY_OKED = {
    "01": ["6121", "8341", "6111", "9211", "7233", "8332"],
    "10": ["8160", "7512", "9329", "3257", "8332"],
    "16": ["8172", "7522", "7115", "9329"],
    "23": ["8189", "7112", "9313", "8343"],
    "25": ["7212", "7214", "7223", "3115", "8343"],
    "28": ["7212", "7223", "8211", "2144", "3115"],
    "29": ["8211", "7212", "7231", "3115"],
    "32": ["8211", "7311", "3115"],
    "41": ["7112", "7115", "7212", "9313", "8343", "2142", "3112", "7126"],
    "46": ["4321", "3322", "8332", "9333", "8344"],
    "47": ["5223", "4321", "9333"],
    "49": ["8322", "8332", "7231"],
    "55": ["5120", "5131", "9112"],
    "56": ["5120", "5131", "9112"],
    "62": ["2512", "3512"],
    "68": ["4110", "7126", "9112"],
    "71": ["2142", "3112", "2144"],
    "81": ["9112", "5414"],
    "85": ["2341", "2330", "9112"],
    "86": ["2221", "2211", "5321"],
    "96": ["5141"],
}
ANY_EMPLOYER = ["8322", "7411", "9329", "2411", "4311", "5414", "7126"]
NAMED = {
    "2142": ["инженер ПТО", "инженер-строитель"],
    "2144": ["инженер-механик", "главный механик"],
    "2211": ["врач общей практики", "терапевт"],
    "2221": ["медицинская сестра", "палатная медсестра"],
    "2330": ["учитель математики", "учитель казахского языка"],
    "2341": ["учитель начальных классов"],
    "2411": ["бухгалтер", "бухгалтер по заработной плате"],
    "2512": ["программист 1С"],
    "3112": ["техник-строитель"],
    "3115": ["техник-механик", "мастер участка"],
    "3257": ["технолог по санитарии"],
    "3322": ["торговый представитель"],
    "3512": ["системный администратор"],
    "4110": ["офис-менеджер"],
    "4311": ["учётчик", "табельщик"],
    "4321": ["кладовщик"],
    "5120": ["повар", "повар горячего цеха"],
    "5131": ["официант"],
    "5141": ["парикмахер"],
    "5223": ["продавец-консультант", "продавец"],
    "5321": ["санитарка", "младшая медсестра"],
    "5414": ["охранник", "сторож"],
    "6111": ["полевод"],
    "6121": ["оператор машинного доения", "скотник"],
    "7112": ["каменщик"],
    "7115": ["плотник", "столяр"],
    "7126": ["сантехник", "слесарь-сантехник"],
    "7212": ["электрогазосварщик", "сварщик"],
    "7214": ["монтажник металлоконструкций"],
    "7223": ["токарь", "фрезеровщик"],
    "7231": ["автослесарь"],
    "7233": ["слесарь-ремонтник", "механик"],
    "7311": ["слесарь КИПиА"],
    "7411": ["электромонтёр", "электрик"],
    "7512": ["пекарь", "кондитер"],
    "7522": ["столяр-станочник"],
    "8160": ["оператор линии", "аппаратчик"],
    "8172": ["станочник деревообрабатывающих станков"],
    "8189": ["оператор установки"],
    "8211": ["сборщик"],
    "8322": ["водитель", "водитель категории B"],
    "8332": ["водитель грузового автомобиля", "водитель-экспедитор"],
    "8341": ["тракторист-машинист", "комбайнёр"],
    "8343": ["машинист крана"],
    "8344": ["водитель погрузчика"],
    "9112": ["уборщица", "уборщик служебных помещений"],
    "9211": ["разнорабочий в растениеводстве"],
    "9313": ["подсобный рабочий на стройке"],
    "9329": ["разнорабочий", "подсобный рабочий"],
    "9333": ["грузчик"],
}
# Monthly pay offered in 2018, tenge, by the occupation's major group (the first digit).
PAY_2018 = {
    "2": (150_000, 250_000),
    "3": (110_000, 180_000),
    "4": (85_000, 130_000),
    "5": (80_000, 120_000),
    "6": (90_000, 140_000),
    "7": (110_000, 220_000),
    "8": (100_000, 200_000),
    "9": (70_000, 100_000),
}
EDUCATION = {
    "2": EducationLevel.HIGHER,
    "3": EducationLevel.VOCATIONAL,
    "4": EducationLevel.SECONDARY,
    "5": EducationLevel.SECONDARY,
    "6": EducationLevel.VOCATIONAL,
    "7": EducationLevel.VOCATIONAL,
    "8": EducationLevel.VOCATIONAL,
    "9": None,
}
# Monthly pay offered in 2026, tenge, by major group.
PAY_2026 = {
    "2": (300_000, 500_000),
    "3": (220_000, 350_000),
    "4": (180_000, 250_000),
    "5": (160_000, 240_000),
    "6": (180_000, 260_000),
    "7": (250_000, 450_000),
    "8": (230_000, 400_000),
    "9": (150_000, 200_000),
}
LICENCE = {"8322": "B", "8332": "C, CE", "8341": "B, C", "8344": "B"}
REQUIREMENTS = {
    "7212": "Удостоверение сварщика, разряд не ниже 4-го.",
    "8332": "Водительское удостоверение категорий C, CE, медицинская справка.",
    "8322": "Водительское удостоверение категории B, стаж вождения от 3 лет.",
    "7411": "Допуск по электробезопасности не ниже III группы.",
    "2221": "Сертификат специалиста, действующая категория.",
    "8160": "Санитарная книжка.",
    "7512": "Санитарная книжка.",
}
TRAINING_NEEDS = [
    "Повышение квалификации сварщиков, аттестация по НАКС.",
    "Обучение операторов линий на базе предприятия.",
    "Подготовка водителей категорий C, CE.",
    "Курсы 1С для бухгалтерии.",
    "Переподготовка электромонтёров (допуск по электробезопасности).",
    "",
    "",
    "",
]

# A small skills dictionary (none ships): code, Russian and Kazakh names, occupations.
SKILLS = [
    ("1c-accounting", "1С:Бухгалтерия", "1С:Бухгалтерия", ["2411", "3313", "4311", "2512"]),
    ("excel", "Работа в MS Excel", "MS Excel бағдарламасында жұмыс", ["2411", "4110", "4132"]),
    ("pc-user", "Уверенный пользователь ПК", "Компьютерді сенімді пайдалану", ["4110", "4132"]),
    ("mma-welding", "Ручная дуговая сварка", "Қолмен доғалық дәнекерлеу", ["7212"]),
    (
        "mig-welding",
        "Полуавтоматическая сварка",
        "Жартылай автоматты дәнекерлеу",
        ["7212", "7214"],
    ),
    ("gas-cutting", "Газовая резка металла", "Металды газбен кесу", ["7212", "7214"]),
    (
        "drawings",
        "Чтение чертежей",
        "Сызбаларды оқу",
        ["7212", "7214", "7223", "8211", "3115", "2144"],
    ),
    ("cnc", "Работа на станках с ЧПУ", "CNC станоктарында жұмыс", ["7223"]),
    (
        "electrical-safety",
        "Допуск по электробезопасности (III группа)",
        "Электр қауіпсіздігі бойынша рұқсат (III топ)",
        ["7411", "3113"],
    ),
    ("forklift", "Управление погрузчиком", "Тиегішті басқару", ["8344", "4321", "9333"]),
    (
        "haccp",
        "Санитарные нормы пищевого производства (HACCP)",
        "Тамақ өндірісінің санитарлық нормалары (HACCP)",
        ["8160", "7512", "5120"],
    ),
    ("filling-line", "Обслуживание линии розлива", "Құю желісіне қызмет көрсету", ["8160"]),
    (
        "diesel",
        "Ремонт дизельных двигателей",
        "Дизельдік қозғалтқыштарды жөндеу",
        ["7231", "7233", "8332"],
    ),
    ("first-aid", "Первая медицинская помощь", "Алғашқы медициналық көмек", ["2221", "5321"]),
    ("injections", "Внутривенные инъекции", "Көктамыр ішіне инъекция салу", ["2221"]),
    ("cash-register", "Работа с кассовым аппаратом", "Кассалық аппаратпен жұмыс", ["5223"]),
    (
        "customer-service",
        "Обслуживание покупателей",
        "Сатып алушыларға қызмет көрсету",
        ["5223", "5131"],
    ),
    ("slinging", "Строповка грузов", "Жүктерді строптау", ["8343", "9333", "9313"]),
    ("autocad", "AutoCAD", "AutoCAD", ["2142", "3112", "2144", "3115"]),
    (
        "quality-control",
        "Контроль качества продукции",
        "Өнім сапасын бақылау",
        ["7543", "3115"],
    ),
    ("hot-dishes", "Приготовление горячих блюд", "Ыстық тағамдар дайындау", ["5120"]),
]

# Extra Akmola companies, when the registry has fewer than 250 to survey.
AKMOLA_WORDS = [
    ("Кокше Агро", "Көкше Агро"),
    ("Бурабай Курорт", "Бурабай Курорт"),
    ("Степногорск Металл", "Степногорск Металл"),
    ("Есиль Агро", "Есіл Агро"),
    ("Целиноград Строй", "Целиноград Құрылыс"),
    ("Атбасар Астык", "Атбасар Астық"),
    ("Аршалы Сут", "Аршалы Сүт"),
    ("Макинск Нан", "Макинск Нан"),
    ("Щучинск Транс", "Щучинск Транс"),
    ("Жаксы Мал", "Жақсы Мал"),
    ("Акколь Балык", "Ақкөл Балық"),
    ("Зеренда Орман", "Зеренді Орман"),
    ("Ерейментау Кен", "Ерейментау Кен"),
    ("Державинск Элеватор", "Державинск Элеватор"),
    ("Кокшетау Жылу", "Көкшетау Жылу"),
    ("Сарыарка Механика", "Сарыарқа Механика"),
]
AKMOLA_SUFFIXES = [("", ""), (" Групп", " Групп"), (" Сервис", " Сервис"), (" Плюс", " Плюс")]
AKMOLA_OKED = ["01.11", "01.41", "10.71", "16.10", "25.11", "41.20", "46.90", "47.11", "49.41"]

# Jobs people come to the support centres for, beside the centres' vacancies.
CITY_JOBS = ["5223", "5120", "8322", "9112", "4110", "5414", "7411", "2411"]
REASONS = {
    ReferralOutcome.REFUSED_BY_EMPLOYER: [
        "Недостаточный опыт работы",
        "Нет удостоверения по профессии",
        "Вакансия закрыта работником предприятия",
    ],
    ReferralOutcome.REFUSED_BY_SEEKER: [
        "Не устроила заработная плата",
        "Далеко от дома, нет общежития",
    ],
    ReferralOutcome.DID_NOT_COME: ["Не явился на собеседование"],
}
OUTCOMES_2019 = [
    ReferralOutcome.HIRED,
    ReferralOutcome.HIRED,
    ReferralOutcome.REFUSED_BY_EMPLOYER,
    ReferralOutcome.HIRED,
    ReferralOutcome.DID_NOT_COME,
    ReferralOutcome.HIRED,
    ReferralOutcome.REFUSED_BY_SEEKER,
]
FIRST_NAMES = {
    "male": ["Ерлан", "Нурлан", "Бауыржан", "Арман", "Даурен", "Серик", "Асет", "Виктор"],
    "female": ["Айгерим", "Динара", "Гульнара", "Жанар", "Мадина", "Сауле", "Алия", "Ольга"],
}
LAST_NAMES = {
    "male": ["Ахметов", "Садыков", "Нургалиев", "Есенов", "Жумабаев", "Оспанов", "Ким"],
    "female": ["Серикова", "Жумабаева", "Омарова", "Касымова", "Есенова", "Иванова", "Ким"],
}


class Command(BaseCommand):
    help = (
        "Load deterministic demo surveys, vacancies, job seekers and referrals; safe to run again."
    )

    def handle(self, *args, **options):
        akmola = Region.objects.filter(kato=AKMOLA).first()
        if akmola is None:
            raise CommandError("Load the reference data first: manage.py load_reference")
        if SurveyCampaign.objects.filter(region=akmola, title=CAMPAIGN["title"]).exists():
            self.stdout.write("Demo vacancies already present: nothing to add.")
            return
        if not Quota.objects.filter(organization__region=akmola).exists():
            raise CommandError(
                "Load the demo organizations and quotas first: manage.py load_demo, "
                "load_demo_quotas"
            )
        self.rng = random.Random(SEED)
        self.akmola = akmola
        self.regions = {region.kato: region for region in Region.objects.all()}
        self.districts = {}
        for district in District.objects.order_by("pk"):
            self.districts.setdefault(district.region_id, []).append(district)
        self.occupations = {o.code: o for o in Occupation.objects.filter(level="unit")}
        self.languages = {language.code: language for language in Language.objects.all()}
        self.categories = {c.code: c for c in SocialCategory.objects.all()}
        self.iins = set(Person.objects.values_list("iin", flat=True))
        self.bins = set(Organization.objects.values_list("bin", flat=True))
        self.serial = 5000
        self.bin_rng = random.Random(SEED + 1)
        with transaction.atomic():
            self.skills = self.skills_dictionary()
            chamber, agency, atameken = map(self.seed_organization, [CHAMBER, AGENCY, ATAMEKEN])
            campaign = self.survey(chamber)
            self.kasip_2019(agency, campaign)
            vacancies = self.vacancies_2026()
            self.kasip_2026(agency, vacancies)
            self.support_centres(atameken, vacancies)
        self.stdout.write(
            f"Loaded the Akmola survey of {campaign.responses.count()} organizations, "
            f"{Vacancy.objects.count()} vacancies, {JobSeeker.objects.count()} job seekers, "
            f"{Referral.objects.count()} referrals."
        )

    # Reference data and organizations.

    def skills_dictionary(self):
        """The demo's skills, added beside any dictionary already loaded (kept as it is)."""
        skills = {}
        for code, name_ru, name_kk, occupation_codes in SKILLS:
            skill = Skill.objects.filter(code=code).first()
            if skill is None:
                skill = Skill(code=code, name_ru=name_ru, name_kk=name_kk)
                skill.full_clean()
                skill._change_reason = REASON
                skill.save()
                skill.occupations.set(
                    [self.occupations[c] for c in occupation_codes if c in self.occupations]
                )
            skills[code] = (skill, occupation_codes)
        return skills

    def skills_of(self, code):
        return [skill for skill, codes in self.skills.values() if code in codes]

    def new_bin(self, branch=False):
        while True:
            number = complete_identifier(
                f"{self.bin_rng.randint(0, 17):02d}{self.bin_rng.randint(1, 12):02d}"
                f"4{int(branch)}{self.bin_rng.randint(0, 99999):05d}"
            )
            if number and number not in self.bins:
                self.bins.add(number)
                return number

    def seed_organization(self, name_ru):
        """The organization load_demo makes from its seed list; made here if it is missing."""
        organization = Organization.objects.filter(name_ru=name_ru).order_by("pk").first()
        if organization is not None:
            return organization
        spec = dict(next(spec for spec in SEED_ORGANIZATIONS if spec["name_ru"] == name_ru))
        district = District.objects.filter(name_ru=spec.pop("district", None)).first()
        region = (
            district.region
            if district
            else Region.objects.get(kato__startswith=spec.pop("region"), kato__endswith="0000000")
        )
        legal_form = spec.pop("legal_form", None)
        organization = Organization(
            bin=self.new_bin(branch=spec.pop("branch", False)),
            legal_form=LegalForm.objects.filter(code=legal_form).first(),
            kind=OrganizationKind.objects.get(code=spec.pop("kind")),
            region=region,
            district=district,
            headcount_date=datetime.date(2026, 1, 1),
            **spec,
        )
        return self.save(organization)

    def save(self, instance):
        instance.full_clean()
        instance._change_reason = REASON
        instance.save()
        return instance

    # The survey (article 000).

    def survey(self, chamber):
        campaign = self.save(SurveyCampaign(region=self.akmola, run_by=chamber, **CAMPAIGN))
        for organization, lines in self.survey_plans(self.respondents()):
            last, first = self.name()
            response = self.save(
                SurveyResponse(
                    campaign=campaign,
                    organization=organization,
                    answered_on=datetime.date(2018, 11, self.rng.randint(5, 30)),
                    respondent=f"{last} {first[0]}., "
                    + self.rng.choice(["специалист по кадрам", "директор", "главный бухгалтер"]),
                    headcount=organization.headcount,
                    training_needs=self.rng.choice(TRAINING_NEEDS),
                )
            )
            for code, named, vacant, planned in lines:
                # Saving the line publishes its vacant places into the register.
                self.save(
                    SurveyLine(
                        response=response,
                        occupation=self.occupations[code],
                        clarification=named,
                        vacant_places=vacant,
                        planned_hires=planned,
                        requirements=REQUIREMENTS.get(code, ""),
                        **self.terms(code, PAY_2018),
                    )
                )
        return campaign

    def respondents(self):
        """The seed companies, then the region's active enterprises, then new ones to make 250."""
        seeds = [self.seed_organization(name) for name in SEED_COMPANIES]
        others = list(
            Organization.objects.filter(
                region=self.akmola,
                kind__code="enterprise",
                status=Organization.Status.ACTIVE,
            )
            .exclude(pk__in=[seed.pk for seed in seeds])
            .order_by("pk")[: SURVEYED - len(seeds)]
        )
        return seeds + others + self.akmola_companies(SURVEYED - len(seeds) - len(others))

    def akmola_companies(self, count):
        if count <= 0:
            return []
        taken = set(
            Organization.objects.filter(region=self.akmola).values_list("name_ru", flat=True)
        )
        forms = {form.code: form for form in LegalForm.objects.filter(code__in=["too", "ao"])}
        enterprise = OrganizationKind.objects.get(code="enterprise")
        districts = self.districts.get(self.akmola.pk, [None])
        names = [
            (form, word, suffix)
            for word in AKMOLA_WORDS
            for suffix in AKMOLA_SUFFIXES
            for form in ["too", "too", "ao"][: 2 if suffix[0] else 3]
        ]
        self.rng.shuffle(names)
        companies = []
        for index in range(count):
            code, (word_ru, word_kk), (suffix_ru, suffix_kk) = names[index % len(names)]
            form = forms[code]
            base_ru, base_kk = f"{word_ru}{suffix_ru}", f"{word_kk}{suffix_kk}"
            if index >= len(names) or f"{form.abbr_ru} «{base_ru}»" in taken:
                base_ru, base_kk = f"{base_ru}-{index + 1}", f"{base_kk}-{index + 1}"
            headcount = self.rng.randint(15, 300)
            companies.append(
                self.save(
                    Organization(
                        bin=self.new_bin(),
                        name_ru=f"{form.abbr_ru} «{base_ru}»",
                        name_kk=f"«{base_kk}» {form.abbr_kk}",
                        legal_form=form,
                        kind=enterprise,
                        region=self.akmola,
                        district=self.rng.choice(districts),
                        oked=self.rng.choice(AKMOLA_OKED),
                        headcount=headcount,
                        headcount_date=datetime.date(2026, 1, 1),
                    )
                )
            )
        return companies

    def survey_plans(self, respondents):
        """(organization, lines) with exactly VACANT_PLACES vacant places over all lines."""
        plans, adjustable = [], []
        for organization in respondents:
            if organization.name_ru in SEED_LINES:
                plans.append(
                    (organization, [list(line) for line in SEED_LINES[organization.name_ru]])
                )
                continue
            pool = list(
                dict.fromkeys(BY_OKED.get((organization.oked or "")[:2], []) + ANY_EMPLOYER)
            )
            codes = self.rng.sample(pool, self.rng.choice([1, 1, 2, 2, 2, 3, 3, 4]))
            lines = []
            for code in codes:
                vacant = self.rng.choice([0, 1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 8])
                planned = self.rng.choice([0, 0, 1, 2, 3, 5]) or (0 if vacant else 1)
                lines.append([code, self.rng.choice(NAMED.get(code, [""])), vacant, planned])
            plans.append((organization, lines))
            adjustable += [line for line in lines if line[2]]
        total = sum(line[2] for _organization, lines in plans for line in lines)
        while total != VACANT_PLACES:
            line = self.rng.choice(adjustable)
            if total < VACANT_PLACES:
                line[2], total = line[2] + 1, total + 1
            elif line[2] > 1:
                line[2], total = line[2] - 1, total - 1
        return plans

    def terms(self, code, pay):
        low, high = pay[code[0]]
        salary_from = low + 5000 * self.rng.randint(0, (high - low) // 5000)
        salary_to = salary_from + 5000 * self.rng.choice([2, 4, 6, 10])
        return {
            "salary_from": salary_from,
            "salary_to": None if self.rng.random() < 0.2 else salary_to,
            "education": EDUCATION[code[0]],
            "experience_years": 0 if code[0] == "9" else self.rng.choice([0, 0, 1, 1, 2, 3]),
        }

    # Vacancies of 2026 with reserved places.

    def vacancies_2026(self):
        """Two vacancies at each employer with quotas in Akmola and Almaty: a request of its own
        and one on the labour exchange that offers its quota, each with places reserved for the
        categories of its quotas. Also plain ones in Astana and Shymkent."""
        quotas = {}
        for quota in (
            Quota.objects.filter(year=2026, organization__region__kato__in=[AKMOLA, "750000000"])
            .select_related(
                "organization__region", "organization__district", "category__social_category"
            )
            .order_by("organization__region__kato", "organization__pk", "pk")
        ):
            quotas.setdefault(quota.organization, []).append(quota)
        reserved = {AKMOLA: [], "750000000": []}
        for employer, its_quotas in quotas.items():
            codes = self.employer_jobs(employer)
            sources = [VacancySource.EMPLOYER, VacancySource.LABOUR_EXCHANGE]
            for code, source in zip(codes, sources, strict=True):
                offered = its_quotas[0] if source == VacancySource.LABOUR_EXCHANGE else None
                # Room for the reserved places (at most 2 + 1) and at least one more.
                vacancy = self.vacancy(employer, code, source, quota=offered, fewest=4)
                for quota in its_quotas:
                    self.save(
                        Reservation(
                            vacancy=vacancy,
                            category=quota.category,
                            places=self.rng.randint(1, 2) if quota.category.is_disability else 1,
                        )
                    )
                reserved[employer.region.kato].append(vacancy)
        plain = {}
        for kato in ["710000000", "790000000"]:
            employers = Organization.objects.filter(
                region__kato=kato, kind__code="enterprise", status=Organization.Status.ACTIVE
            ).order_by("pk")[:3]
            plain[kato] = [
                self.vacancy(employer, code, VacancySource.EMPLOYER)
                for employer in employers
                for code in self.employer_jobs(employer)
            ]
        return {"reserved": reserved, "plain": plain}

    def employer_jobs(self, employer):
        if employer.name_ru in SEED_LINES:
            codes = [line[0] for line in SEED_LINES[employer.name_ru]]
        else:
            codes = BY_OKED.get((employer.oked or "")[:2], []) + ANY_EMPLOYER
        return self.rng.sample(list(dict.fromkeys(codes)), 2)

    def vacancy(self, employer, code, source, quota=None, fewest=2):
        vacancy = self.save(
            Vacancy(
                organization=employer,
                quota=quota,
                occupation=self.occupations[code],
                clarification=self.rng.choice(NAMED.get(code, [""])),
                places=self.rng.randint(fewest, 6),
                schedule=self.rng.choice([Schedule.FULL_TIME, Schedule.FULL_TIME, Schedule.SHIFTS]),
                nature=NatureOfWork.PERMANENT,
                region=employer.region,
                district=employer.district,
                driving_licence=LICENCE.get(code, ""),
                duties=REQUIREMENTS.get(code, ""),
                source=source,
                opened_on=datetime.date(2026, self.rng.randint(1, 2), self.rng.randint(1, 28)),
                **self.terms(code, PAY_2026),
            )
        )
        skills = self.skills_of(code)
        vacancy.required_skills.set(skills[:1])
        vacancy.desired_skills.set(skills[1:3])
        vacancy.languages.set(
            [self.languages["ru"]] + ([self.languages["kk"]] if self.rng.random() < 0.5 else [])
        )
        return vacancy

    # Job seekers and referrals.

    def name(self, sex=None):
        sex = sex or self.rng.choice(["male", "female"])
        return self.rng.choice(LAST_NAMES[sex]), self.rng.choice(FIRST_NAMES[sex])

    def person(self, region, birth_year, categories=(), disability_group=""):
        sex = self.rng.choice(["male", "female"])
        birth = datetime.date(birth_year, self.rng.randint(1, 12), self.rng.randint(1, 28))
        digit = {1900: 3, 2000: 5}[birth_year // 100 * 100] + (sex == "female")
        iin = None
        while iin is None or iin in self.iins:
            iin = complete_identifier(f"{birth:%y%m%d}{digit}{self.serial:04d}")
            self.serial += 1
        self.iins.add(iin)
        last, first = self.name(sex)
        districts = self.districts.get(region.pk)
        person = self.save(
            Person(
                iin=iin,
                full_name=f"{last} {first}",
                disability_group=disability_group,
                impairment=self.rng.choice(["hearing", "vision", "musculoskeletal", "other"])
                if disability_group
                else "",
                region=region,
                district=self.rng.choice(districts) if districts else None,
            )
        )
        if categories:
            person.social_categories.set([self.categories[code] for code in categories])
        return person

    def seeker(self, person, agency, registered_at, registered_on, code, pay, moves_to=None):
        occupation = self.occupations[code]
        low, high = pay[code[0]]
        seeker = self.save(
            JobSeeker(
                person=person,
                registered_at=registered_at,
                agency=agency,
                registered_on=registered_on,
                salary_expected=low + 10_000 * self.rng.randint(0, (high - low) // 10_000),
                schedule=self.rng.choice(["", "", Schedule.FULL_TIME, Schedule.ROTATION]),
                education=EDUCATION[code[0]] or EducationLevel.SECONDARY,
                driving_licence=LICENCE.get(code, self.rng.choice(["", "", "B"])),
            )
        )
        seeker.occupations.set([occupation])
        if moves_to is not None:
            seeker.regions.set([moves_to])
            seeker.districts.set(
                self.rng.sample(self.districts.get(moves_to.pk, []), 2)
                if self.districts.get(moves_to.pk)
                else []
            )
        skills = self.skills_of(code)
        seeker.skills.set(self.rng.sample(skills, min(len(skills), self.rng.randint(1, 3))))
        languages = ["kk", "ru"] if self.rng.random() < 0.7 else ["ru"]
        if self.rng.random() < 0.15:
            languages.append("en")
        seeker.languages.set([self.languages[code] for code in languages])
        self.save(Experience(seeker=seeker, occupation=occupation, years=self.rng.randint(1, 15)))
        return seeker

    def refer(self, seeker, referred_on, outcome, vacancy=None, course=None, provider=None):
        referral = self.save(
            Referral(
                seeker=seeker,
                vacancy=vacancy,
                course=course,
                provider=provider,
                referred_on=referred_on,
            )
        )
        if outcome != ReferralOutcome.PENDING:
            referral.record_outcome(
                outcome,
                referred_on + datetime.timedelta(days=self.rng.randint(5, 20)),
                reason=self.rng.choice(REASONS.get(outcome, [""])),
            )
        return referral

    def kasip_2019(self, agency, campaign):
        """«Kásip-kz»'s first seekers, from Akmola and the south, referred to the places the
        survey found at the seed companies in the spring of 2019."""
        places = list(
            Vacancy.objects.filter(
                survey_line__response__campaign=campaign,
                organization__name_ru__in=SEED_COMPANIES,
            )
            .select_related("occupation")
            .order_by("pk")
        )
        homes = [AKMOLA] * 10 + [kato for kato in LABOUR_SURPLUS for _ in range(6)]
        for index, kato in enumerate(homes):
            region = self.regions[kato]
            vacancy = self.rng.choice(places)
            person = self.person(region, self.rng.randint(1975, 2000))
            registered_on = datetime.date(2018, 12, 10) + datetime.timedelta(days=2 * index)
            seeker = self.seeker(
                person,
                agency,
                SeekerRegistration.PRIVATE_AGENCY,
                registered_on,
                vacancy.occupation.code,
                PAY_2018,
                moves_to=None if kato == AKMOLA else self.akmola,
            )
            vacancy.refresh_from_db()
            if index % 2 == 0 and vacancy.free_places:
                self.refer(
                    seeker,
                    registered_on + datetime.timedelta(days=14),
                    OUTCOMES_2019[index // 2 % len(OUTCOMES_2019)],
                    vacancy=vacancy,
                )

    def reserved_hires(self, vacancies, agency, registered_at, home_regions, hired_from):
        """A seeker of each category a vacancy reserves places for: hired on the first vacancy
        of each employer (counted toward its quota), awaiting an answer or refused on the
        second."""
        for index, vacancy in enumerate(vacancies):
            for reservation in vacancy.reservations.select_related("category__social_category"):
                category = reservation.category.social_category.code
                region = home_regions[self.rng.randrange(len(home_regions))]
                person = self.person(
                    region,
                    self.rng.randint(1970, 2003),
                    categories=[] if category == "disability" else [category],
                    disability_group=self.rng.choice(["2", "3", "3"])
                    if category == "disability"
                    else "",
                )
                registered_on = hired_from - datetime.timedelta(days=self.rng.randint(20, 50))
                seeker = self.seeker(
                    person,
                    agency,
                    registered_at,
                    registered_on,
                    vacancy.occupation.code,
                    PAY_2026,
                    moves_to=None if region == vacancy.region else vacancy.region,
                )
                outcome = (
                    ReferralOutcome.HIRED
                    if index % 2 == 0
                    else self.rng.choice(
                        [ReferralOutcome.PENDING, ReferralOutcome.REFUSED_BY_EMPLOYER]
                    )
                )
                self.refer(
                    seeker,
                    hired_from + datetime.timedelta(days=self.rng.randint(0, 10)),
                    outcome,
                    vacancy=vacancy,
                )

    def kasip_2026(self, agency, vacancies):
        homes = [self.akmola] + [self.regions[kato] for kato in LABOUR_SURPLUS]
        self.reserved_hires(
            vacancies["reserved"][AKMOLA],
            agency,
            SeekerRegistration.PRIVATE_AGENCY,
            homes,
            datetime.date(2026, 3, 2),
        )

    def support_centres(self, atameken, vacancies):
        """Seekers of the «Атамекен» support centres in Astana, Almaty and Shymkent: some
        referred to the cities' vacancies (Almaty's with reserved places), some to a short
        course at an enterprise when no vacancy fits."""
        almaty = self.regions["750000000"]
        self.reserved_hires(
            vacancies["reserved"]["750000000"],
            atameken,
            SeekerRegistration.SUPPORT_CENTRE,
            [almaty],
            datetime.date(2026, 4, 1),
        )
        course = EmploymentMeasure.objects.get(code="short_course")
        for kato in SUPPORT_CITIES:
            region = self.regions[kato]
            city_vacancies = vacancies["plain"].get(kato) or vacancies["reserved"].get(kato, [])
            provider = (
                Organization.objects.filter(
                    region=region, kind__code="enterprise", status=Organization.Status.ACTIVE
                )
                .order_by("-headcount", "pk")
                .first()
            )
            for index in range(12):
                vacancy = city_vacancies[index % len(city_vacancies)] if index < 6 else None
                code = vacancy.occupation.code if vacancy else self.rng.choice(CITY_JOBS)
                registered_on = datetime.date(2026, 2, 2) + datetime.timedelta(days=3 * index)
                seeker = self.seeker(
                    self.person(region, self.rng.randint(1968, 2006)),
                    atameken,
                    SeekerRegistration.SUPPORT_CENTRE,
                    registered_on,
                    code,
                    PAY_2026,
                )
                referred_on = registered_on + datetime.timedelta(days=7)
                if vacancy is not None and index % 3 != 2:
                    vacancy.refresh_from_db()
                    if vacancy.free_places:
                        self.refer(
                            seeker,
                            referred_on,
                            self.rng.choice(list(ReferralOutcome)),
                            vacancy=vacancy,
                        )
                elif index >= 9:
                    self.refer(
                        seeker,
                        referred_on,
                        ReferralOutcome.HIRED if index < 11 else ReferralOutcome.PENDING,
                        course=course,
                        provider=provider,
                    )
