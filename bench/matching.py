"""Matching at scale: 100,000 job seekers ranked for one vacancy, and vacancies for one seeker.

    createdb -h 127.0.0.1 -U postgres jumys_vmatch_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jumys_vmatch_bench \
        .venv/bin/python bench/matching.py

Migrates the database, loads the reference data and, when it holds no seekers yet, generates
--seekers job seekers (each on a person, with one to three positions wanted, experience,
skills, languages; a third of them live in the bench vacancy's region and a tenth of the
others would move there) and --vacancies vacancies. Then times, as the median of --runs:
ranking the first page of seekers for a vacancy that asks for much (must-have and
nice-to-have skills, education, experience, a language, a licence, reserved places, a salary)
with its explanations, the whole page through the admin, and the same for one seeker's
vacancies; with the number of queries each took. Also run by `bench/run.py --matching`.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.clients import admin_client  # noqa: E402
from quotas.models import Person, QuotaCategory, SocialCategory  # noqa: E402
from registry.models import District, LegalForm, Organization, OrganizationKind, Region  # noqa: E402
from registry.validators import complete_identifier  # noqa: E402
from vacancies.match_views import PER_PAGE  # noqa: E402
from vacancies.matching import (  # noqa: E402
    explain_seekers,
    explain_vacancies,
    seekers_for,
    unjudged_seekers,
    vacancies_for,
    with_profile,
    with_requirements,
)
from vacancies.models import (  # noqa: E402
    EducationLevel,
    Experience,
    JobSeeker,
    Language,
    Occupation,
    Skill,
    Vacancy,
)

# The bench vacancy's region (Akmola, where the chamber's survey found 2,000 vacancies) and
# its occupation, a unit group many seekers want or have worked in.
REGION = "110000000"
OCCUPATION = "2512"
BATCH = 5_000


def iin(number):
    """A distinct valid IIN per number, or None: 9,000 serials a birth day from 1.1.1970."""
    born = datetime.date(1970, 1, 1) + datetime.timedelta(days=number // 9000)
    return complete_identifier(f"{born:%y%m%d}3{1000 + number % 9000:04d}")


def bin_number(number):
    for attribute in "0123":
        candidate = complete_identifier(f"13064{attribute}{number:05d}")
        if candidate:
            return candidate
    raise AssertionError(number)


def generate(seekers, vacancies, seed=18):
    """Seekers and vacancies written with bulk inserts (no history: a bench, not an import)."""
    rng = random.Random(seed)
    regions = list(Region.objects.order_by("pk"))
    home = Region.objects.get(kato=REGION)
    districts = {}
    for district in District.objects.order_by("pk"):
        districts.setdefault(district.region_id, []).append(district)
    units = list(Occupation.objects.filter(level=Occupation.Level.UNIT).order_by("code"))
    # A few hundred popular unit groups get most seekers, as in a real register.
    popular = [unit for unit in units if unit.code[:3] in {"251", "411", "832", "522", "711"}]
    skills = [
        Skill(code=f"bench-{n}", name_ru=f"Навык {n}", name_kk=f"Дағды {n}") for n in range(60)
    ]
    Skill.objects.bulk_create(skills, ignore_conflicts=True)
    skills = list(Skill.objects.filter(code__startswith="bench-").order_by("pk"))
    languages = list(Language.objects.order_by("pk")[:4])
    categories = list(SocialCategory.objects.order_by("pk"))

    def occupation():
        return rng.choice(popular) if rng.random() < 0.4 else rng.choice(units)

    with transaction.atomic():
        people, number = [], 1
        while len(people) < seekers:
            value = iin(number)
            number += 1
            if value is None:
                continue
            region = home if rng.random() < 0.33 else rng.choice(regions)
            district = rng.choice(districts.get(region.pk, [None]))
            person = Person(
                iin=value,
                full_name=f"Соискатель {number}",
                region=region,
                district=district,
                disability_group=rng.choice(["", "", "", "", "", "", "", "", "", "3"]),
            )
            person.refresh_derived_fields()
            people.append(person)
        Person.objects.bulk_create(people, batch_size=BATCH)
        people = list(Person.objects.filter(full_name__startswith="Соискатель ").order_by("pk"))
        seekers_made = JobSeeker.objects.bulk_create(
            [
                JobSeeker(
                    person=person,
                    registered_on=datetime.date(2026, 1, 1),
                    education=rng.choice([None, *EducationLevel.values]),
                    salary_expected=rng.choice([None, *(Decimal(n * 10000) for n in range(8, 40))]),
                    driving_licence=rng.choice(["", "", "B", "B, C", "C, CE"]),
                )
                for person in people
            ],
            batch_size=BATCH,
        )
        wanted, experience, had, spoken, moving, belongs = [], [], [], [], [], []
        for seeker, person in zip(seekers_made, people, strict=True):
            for each in {occupation() for _ in range(rng.randint(0, 3))}:
                wanted.append(
                    JobSeeker.occupations.through(jobseeker_id=seeker.pk, occupation_id=each.pk)
                )
            for each in {occupation() for _ in range(rng.randint(0, 2))}:
                experience.append(
                    Experience(seeker_id=seeker.pk, occupation_id=each.pk, years=rng.randint(1, 15))
                )
            for each in rng.sample(skills, rng.randint(0, 6)):
                had.append(JobSeeker.skills.through(jobseeker_id=seeker.pk, skill_id=each.pk))
            for each in rng.sample(languages, rng.randint(1, 2)):
                spoken.append(
                    JobSeeker.languages.through(jobseeker_id=seeker.pk, language_id=each.pk)
                )
            if person.region_id != home.pk and rng.random() < 0.1:
                moving.append(JobSeeker.regions.through(jobseeker_id=seeker.pk, region_id=home.pk))
            if rng.random() < 0.15:
                belongs.append(
                    Person.social_categories.through(
                        person_id=person.pk, socialcategory_id=rng.choice(categories).pk
                    )
                )
        for rows in (wanted, experience, had, spoken, moving, belongs):
            type(rows[0]).objects.bulk_create(rows, batch_size=BATCH)

        employers = []
        for number in range(200):
            region = home if number < 60 else rng.choice(regions)
            employer = Organization(
                bin=bin_number(number),
                name_ru=f"ТОО «Работодатель {number}»",
                name_kk=f"«Жұмыс беруші {number}» ЖШС",
                legal_form=LegalForm.objects.get(code="too"),
                kind=OrganizationKind.objects.get(code="enterprise"),
                region=region,
                district=rng.choice(districts.get(region.pk, [None])),
                headcount=rng.randint(20, 900),
            )
            employer.refresh_derived_fields()
            employers.append(employer)
        Organization.objects.bulk_create(employers)
        employers = list(Organization.objects.filter(name_ru__startswith="ТОО «Работодатель"))
        made = Vacancy.objects.bulk_create(
            [
                Vacancy(
                    organization=employer,
                    occupation=occupation(),
                    region_id=employer.region_id,
                    district_id=employer.district_id,
                    places=rng.randint(1, 5),
                    education=rng.choice([None, EducationLevel.SECONDARY]),
                    experience_years=rng.choice([0, 0, 1, 3]),
                    salary_from=Decimal(150000),
                    salary_to=rng.choice([None, Decimal(250000), Decimal(400000)]),
                    opened_on=datetime.date(2026, 3, 1),
                )
                for employer in (rng.choice(employers) for _ in range(vacancies))
            ],
            batch_size=BATCH,
        )
        Vacancy.required_skills.through.objects.bulk_create(
            [
                Vacancy.required_skills.through(vacancy_id=vacancy.pk, skill_id=skill.pk)
                for vacancy in made
                for skill in rng.sample(skills, rng.randint(0, 2))
            ]
        )
        Vacancy.desired_skills.through.objects.bulk_create(
            [
                Vacancy.desired_skills.through(vacancy_id=vacancy.pk, skill_id=skill.pk)
                for vacancy in made
                for skill in rng.sample(skills, rng.randint(0, 3))
            ]
        )


def bench_vacancy():
    """The vacancy that asks for everything the score weighs, made once."""
    vacancy = Vacancy.objects.filter(clarification="Бенч: разработчик").first()
    if vacancy:
        return vacancy
    employer = Organization.objects.filter(region__kato=REGION).order_by("pk").first()
    vacancy = Vacancy(
        organization=employer,
        occupation=Occupation.objects.get(code=OCCUPATION),
        clarification="Бенч: разработчик",
        region=employer.region,
        district=employer.district,
        places=3,
        education=EducationLevel.VOCATIONAL,
        experience_years=2,
        driving_licence="B",
        salary_from=Decimal(200000),
        salary_to=Decimal(350000),
        opened_on=datetime.date(2026, 3, 1),
    )
    vacancy.full_clean()
    vacancy.save()
    skills = list(Skill.objects.filter(code__startswith="bench-").order_by("pk"))
    vacancy.required_skills.set(skills[:1])
    vacancy.desired_skills.set(skills[1:4])
    vacancy.languages.set(Language.objects.filter(code="kk"))
    vacancy.reservations.create(category=QuotaCategory.objects.get(code="disability"), places=1)
    return vacancy


def timed(work, runs):
    work()
    times, counts = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            work()
            times.append((time.perf_counter() - started) * 1000)
        counts.append(len(queries))
    return statistics.median(times), max(counts)


def rank_vacancy_page(pk):
    vacancy = with_requirements(Vacancy.objects.filter(pk=pk)).get()
    ranked, _notes = seekers_for(vacancy)
    page = ranked.page(1, PER_PAGE)
    matches = explain_seekers(vacancy, page.object_list)
    unjudged_seekers(vacancy).exists()
    return matches


def rank_seeker_page(pk):
    seeker = with_profile(JobSeeker.objects.filter(pk=pk)).get()
    ranked, _notes = vacancies_for(seeker)
    page = Paginator(ranked, PER_PAGE).get_page(1)
    return explain_vacancies(seeker, page.object_list)


def explain_plan(vacancy):
    ranked, _notes = seekers_for(with_requirements(Vacancy.objects.filter(pk=vacancy.pk)).get())
    sql, params = ranked[:PER_PAGE].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seekers", type=int, default=100_000)
    parser.add_argument("--vacancies", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--plan", action="store_true", help="print PostgreSQL's plan")
    args = parser.parse_args()
    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_reference", verbosity=0, stdout=quiet)
    generated = None
    if not JobSeeker.objects.exists():
        started = time.perf_counter()
        generate(args.seekers, args.vacancies)
        generated = time.perf_counter() - started
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    vacancy = bench_vacancy()
    matches = rank_vacancy_page(vacancy.pk)
    seeker = matches[0].seeker if matches else JobSeeker.objects.first()
    rank_ms, rank_queries = timed(lambda: rank_vacancy_page(vacancy.pk), args.runs)
    back_ms, back_queries = timed(lambda: rank_seeker_page(seeker.pk), args.runs)
    client = admin_client()
    with override_settings(DEBUG=False):
        url = reverse("admin:vacancies_vacancy_seekers", args=[vacancy.pk])
        page_ms, page_queries = timed(lambda: client.get(url), args.runs)
        back_url = reverse("admin:vacancies_jobseeker_vacancies", args=[seeker.pk])
        back_page_ms, back_page_queries = timed(lambda: client.get(back_url), args.runs)
    ranked, _notes = seekers_for(with_requirements(Vacancy.objects.filter(pk=vacancy.pk)).get())
    result = {
        "vendor": connection.vendor,
        "seekers": JobSeeker.objects.count(),
        "vacancies": Vacancy.objects.count(),
        "candidates": ranked.count(),
        "generated_seconds": generated,
        "rank_ms": rank_ms,
        "rank_queries": rank_queries,
        "page_ms": page_ms,
        "page_queries": page_queries,
        "seeker_rank_ms": back_ms,
        "seeker_rank_queries": back_queries,
        "seeker_page_ms": back_page_ms,
        "seeker_page_queries": back_page_queries,
        "plan": explain_plan(vacancy) if args.plan and connection.vendor == "postgresql" else "",
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"database: {result['vendor']}; seekers {result['seekers']:,}, vacancies "
        f"{result['vacancies']:,}; candidates for the bench vacancy {result['candidates']:,}"
    )
    if generated is not None:
        print(f"generated in {generated:.0f} s")
    print(f"{'':<44}{'ms':>8}{'queries':>9}")
    for label, ms, queries in (
        ("seekers for a vacancy: first page, explained", rank_ms, rank_queries),
        ("  the admin page (target ≤ 300 ms)", page_ms, page_queries),
        ("vacancies for a seeker: first page, explained", back_ms, back_queries),
        ("  the admin page", back_page_ms, back_page_queries),
    ):
        print(f"{label:<44}{ms:>8.0f}{queries:>9}")
    if result["plan"]:
        print(f"\nPostgreSQL plan of the ranking:\n{result['plan']}")


if __name__ == "__main__":
    main()
