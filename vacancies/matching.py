"""Matching job seekers and vacancies, explained.

For a vacancy, active seekers ranked; for a seeker, open vacancies ranked. The ranking is
computed by the database (one query for a page, one for the count, whatever the number of
seekers): each part of the score is a CASE over indexed columns or a correlated subquery over
the many-to-many tables, and only the page shown is read back. The explanations — what
matches, what is missing — are then built in Python for that page alone from its prefetched
relations by `assess`, which computes the same score again; the tests hold the two equal.

Who is a candidate at all: a seeker who wants or has worked in an occupation of the same
minor group as the vacancy's, and who lives in the vacancy's region or would move there.
A profile without the data to judge (no position wanted and no experience; a vacancy whose
occupation is a group above the minor group) is not scored: the ranking says what is missing.

Gates: the vacancy's must-have skills and education level. A seeker who fails a gate is not
left out — staff may still refer them, or send them to a course first — but is listed below
everyone who passes, with the gate named among what is missing.
"""

import re
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, NullIf
from django.utils.translation import gettext as _

from quotas.models import DISABILITY, Person, SocialCategory
from quotas.personal_data import MASK

from .models import (
    Closeness,
    EducationLevel,
    Experience,
    JobSeeker,
    Occupation,
    Reservation,
    SeekerStatus,
    Vacancy,
    licence_categories,
)


class Weight:
    """Points each part of a match adds to the score; a seeker who meets everything a vacancy
    asks scores 100 at most. Parts the vacancy asks nothing of (no nice-to-have skills, no
    languages, no licence, no experience) and salaries nobody stated count as met, so that
    scores of different seekers for one vacancy stay comparable.

    - occupation closeness, the nearest of the seeker's wanted and experience occupations:
      same code, same unit group, same minor group (another minor group is no candidate);
    - place: the vacancy's district (where the seeker lives or would work), its region, or a
      region the seeker would move to (other seekers are no candidates);
    - experience in the vacancy's occupation or its unit group, in proportion to the years
      asked for;
    - nice-to-have skills and languages, in proportion to the share the seeker has;
    - every driving licence category asked for;
    - reserved places (or the quota the vacancy offers) of a category the seeker belongs to;
    - the salary expected no higher than the top of the offer.

    Must-have skills and education are gates, not points: see the module's docstring.
    """

    SAME_OCCUPATION = 40
    SAME_UNIT_GROUP = 28
    SAME_MINOR_GROUP = 15
    SAME_DISTRICT = 20
    SAME_REGION = 14
    RELOCATING = 6
    EXPERIENCE = 8
    DESIRED_SKILLS = 8
    LANGUAGES = 6
    LICENCE = 4
    RESERVED = 8
    SALARY = 6


OCCUPATION_POINTS = {
    Closeness.SAME: Weight.SAME_OCCUPATION,
    Closeness.UNIT_GROUP: Weight.SAME_UNIT_GROUP,
    Closeness.MINOR_GROUP: Weight.SAME_MINOR_GROUP,
    Closeness.NONE: 0,
}

# What separates licence categories in the text people type («B, CE», «B/C»).
LICENCE_SEPARATORS = r"[\s,;/]"


def money(value):
    """250000 → «250 000», spaced as Kazakh and Russian texts write amounts."""
    return f"{int(value):,}".replace(",", "\u00a0")


def as_int(expression):
    return expression if hasattr(expression, "resolve_expression") else Value(expression)


def share_points(weight, has, total):
    """weight × has / total in whole points, `weight` when nothing is asked (total 0)."""
    return Coalesce(
        (as_int(has) * weight) / NullIf(as_int(total), Value(0)),
        Value(weight),
        output_field=IntegerField(),
    )


def count_rows(queryset, owner):
    """The number of rows of `queryset` per owner, as a correlated subquery (0 for none)."""
    counted = queryset.order_by().values(owner).annotate(rows=Count("*")).values("rows")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def cast_int(expression):
    return ExpressionWrapper(expression, output_field=IntegerField())


def experience_share(years, required):
    """Weight.EXPERIENCE in proportion to the years asked for, whole points, at most all."""
    return Least(cast_int(years * Value(Weight.EXPERIENCE) / required), Value(Weight.EXPERIENCE))


def holds_licence(column, categories):
    """The text column names every category (a case-insensitive token of it)."""
    condition = Q()
    for category in sorted(categories):
        token = re.escape(category)
        condition &= Q(
            **{f"{column}__iregex": (f"(^|{LICENCE_SEPARATORS}){token}($|{LICENCE_SEPARATORS})")}
        )
    return condition


def licence_within(column, categories):
    """The text column names no category outside `categories` (empty text included)."""
    if not categories:
        return Q(**{f"{column}__iregex": f"^{LICENCE_SEPARATORS}*$"})
    names = "|".join(re.escape(each) for each in sorted(categories, key=len, reverse=True))
    return Q(
        **{f"{column}__iregex": (f"^{LICENCE_SEPARATORS}*(({names})({LICENCE_SEPARATORS}+|$))*$")}
    )


# ---------------------------------------------------------------------------------------------
# What the ranking needs of each side, read once.


def with_requirements(vacancies):
    """Vacancies with everything `assess` reads of them prefetched."""
    return vacancies.select_related(
        "occupation", "organization", "region", "district", "quota__category__social_category"
    ).prefetch_related(
        "required_skills",
        "desired_skills",
        "languages",
        Prefetch(
            "reservations",
            queryset=Reservation.objects.select_related("category__social_category"),
        ),
    )


def with_profile(seekers):
    """Seekers with everything `assess` reads of them prefetched."""
    return seekers.select_related("person__region", "person__district").prefetch_related(
        "occupations",
        Prefetch("experience", queryset=Experience.objects.select_related("occupation")),
        "districts",
        "regions",
        "skills",
        "languages",
        "person__social_categories",
    )


def reserved_categories(vacancy):
    """The social categories whose people the vacancy's reserved places (or its quota) are
    for, as {social category id: social category}."""
    categories = {
        reservation.category.social_category_id: reservation.category.social_category
        for reservation in vacancy.reservations.all()
    }
    if vacancy.quota_id:
        social = vacancy.quota.category.social_category
        categories[social.pk] = social
    return categories


def seeker_categories(person):
    """The ids of the social categories a person belongs to, the disability one included
    when a disability group is given (as `Person.belongs_to` says)."""
    ids = {category.pk for category in person.social_categories.all()}
    if person.disability_group:
        ids |= set(SocialCategory.objects.filter(code=DISABILITY).values_list("pk", flat=True))
    return ids


def vacancy_notes(vacancy):
    """Why a vacancy cannot be matched; empty when it can."""
    if not vacancy.occupation.minor_group:
        return [
            _(
                "The vacancy's occupation %(code)s is a group above the minor group: choose "
                "a unit group or a position to match job seekers."
            )
            % {"code": vacancy.occupation.code}
        ]
    return []


def judged_occupations(seeker):
    """The seeker's wanted and experience occupations precise enough to compare."""
    occupations = [each for each in seeker.occupations.all() if each.minor_group]
    occupations += [
        each.occupation for each in seeker.experience.all() if each.occupation.minor_group
    ]
    return occupations


def seeker_notes(seeker):
    """Why a seeker cannot be matched; empty when they can."""
    if seeker.status != SeekerStatus.ACTIVE:
        return [
            _("The seeker is not looking for work (%(status)s): vacancies are not matched.")
            % {"status": seeker.get_status_display()}
        ]
    if not judged_occupations(seeker):
        return [
            _(
                "Neither a position wanted nor experience precise enough to compare (a minor "
                "group of the classifier or finer): add them to the profile to match vacancies."
            )
        ]
    return []


# ---------------------------------------------------------------------------------------------
# Ranking in the database.


@dataclass(frozen=True)
class Ranked:
    """A seeker's place in a vacancy's ranking: all a page reads before the explanations."""

    pk: int
    score: int
    passes: int


class SeekerRanking:
    """The candidates for a vacancy, ranked by the database a page at a time; a Paginator
    takes it as it takes a queryset (`count()` and slices, of `Ranked`).

    Every part of the score that lies in a seeker's many-to-many rows (positions wanted,
    experience, districts, skills, languages, social categories) is read once, as a table
    of the rows that concern this vacancy grouped per seeker, and joined to the candidates:
    a subquery per candidate would probe each table once per seeker, most of a second at
    100,000 seekers. The parts that lie in the seeker's own columns come with the candidates.
    """

    def __init__(self, vacancy, seekers):
        self.connection = connections[seekers.db]
        self.tables = {}
        occupation = vacancy.occupation
        # The minor group's occupations by id, so that each table is read through its index
        # on the occupation rather than joined to the classifier.
        group = list(
            Occupation.objects.filter(minor_group=occupation.minor_group).values_list(
                "pk", "unit_group"
            )
        )
        near = Q(occupation_id__in=[pk for pk, _unit in group])
        unit = [pk for pk, unit in group if occupation.unit_group and unit == occupation.unit_group]
        same_work = Q(occupation_id__in={occupation.pk, *unit})
        whens = [When(occupation_id=occupation.pk, then=Value(Weight.SAME_OCCUPATION))]
        if unit:
            whens.append(When(occupation_id__in=unit, then=Value(Weight.SAME_UNIT_GROUP)))
        points = Max(Case(*whens, default=Value(Weight.SAME_MINOR_GROUP)))
        # The candidates: seekers who want or have worked in the minor group; their points
        # are those of the nearest occupation, wanted or worked in.
        self.join("wanted", JobSeeker.occupations.through.objects.filter(near), points=points)
        self.join("worked", Experience.objects.filter(near), "seeker_id", points=points)
        wanted, worked = self.column("wanted", "points"), self.column("worked", "points")
        occupation_points = (
            f"CASE WHEN COALESCE({wanted}, 0) >= COALESCE({worked}, 0) "
            f"THEN COALESCE({wanted}, 0) ELSE {worked} END"
        )
        self.candidate = (
            f"({self.column('wanted', 'owner')} IS NOT NULL "
            f"OR {self.column('worked', 'owner')} IS NOT NULL)"
        )

        # The parts in the seeker's own columns, 1 or 0 each.
        def flag(condition):
            return Case(When(condition, then=Value(1)), default=Value(0))

        moving = JobSeeker.regions.through.objects.filter(region_id=vacancy.region_id)
        found = seekers.active().filter(
            Q(person__region_id=vacancy.region_id) | Q(pk__in=moving.values("jobseeker_id"))
        )
        categories = licence_categories(vacancy.driving_licence)
        top = vacancy.salary_to if vacancy.salary_to is not None else vacancy.salary_from
        reserved = reserved_categories(vacancy)
        columns = {
            "at_home": flag(Q(person__region_id=vacancy.region_id)),
            "in_district": flag(Q(person__district_id=vacancy.district_id))
            if vacancy.district_id
            else Value(0),
            "licensed": flag(holds_licence("driving_licence", categories))
            if categories
            else Value(1),
            "paid": flag(Q(salary_expected__isnull=True) | Q(salary_expected__lte=top))
            if top is not None
            else Value(1),
            "educated": flag(Q(education__gte=vacancy.education))
            if vacancy.education is not None
            else Value(1),
            "disabled": flag(~Q(person__disability_group=""))
            if any(each.code == DISABILITY for each in reserved.values())
            else Value(0),
        }
        self.candidates = compiled(found.order_by().values("id", "person_id", **columns))

        place = f"WHEN {self.column('c', 'at_home')} = 1 THEN {Weight.SAME_REGION}"
        if vacancy.district_id:
            self.join(
                "districts",
                JobSeeker.districts.through.objects.filter(district_id=vacancy.district_id),
                grouped=False,
            )
            place = (
                f"WHEN {self.column('c', 'in_district')} = 1 OR "
                f"{self.column('districts', 'owner')} IS NOT NULL THEN {Weight.SAME_DISTRICT} "
                + place
            )
        place_points = f"CASE {place} ELSE {Weight.RELOCATING} END"

        if vacancy.experience_years:
            self.join(
                "years", Experience.objects.filter(same_work), "seeker_id", years=Max("years")
            )
            years, asked = f"COALESCE({self.column('years', 'years')}, 0)", vacancy.experience_years
            experience_points = (
                f"CASE WHEN {years} >= {asked} THEN {Weight.EXPERIENCE} "
                f"ELSE {years} * {Weight.EXPERIENCE} / {asked} END"
            )
        else:
            experience_points = str(Weight.EXPERIENCE)

        skills = JobSeeker.skills.through.objects
        desired_points = self.share(
            "desired", skills, "skill_id", vacancy.desired_skills.all(), Weight.DESIRED_SKILLS
        )
        language_points = self.share(
            "spoken",
            JobSeeker.languages.through.objects,
            "language_id",
            vacancy.languages.all(),
            Weight.LANGUAGES,
        )
        licence_points = f"{self.column('c', 'licensed')} * {Weight.LICENCE}"
        if reserved:
            self.join(
                "belongs",
                Person.social_categories.through.objects.filter(
                    socialcategory_id__in=list(reserved)
                ),
                "person_id",
                key="person_id",
            )
            reserved_points = (
                f"CASE WHEN {self.column('c', 'disabled')} = 1 OR "
                f"{self.column('belongs', 'owner')} IS NOT NULL THEN {Weight.RESERVED} ELSE 0 END"
            )
        else:
            reserved_points = "0"
        salary_points = f"{self.column('c', 'paid')} * {Weight.SALARY}"
        self.score = " + ".join(
            f"({part})"
            for part in (
                occupation_points,
                place_points,
                experience_points,
                desired_points,
                language_points,
                licence_points,
                reserved_points,
                salary_points,
            )
        )

        gates = [f"{self.column('c', 'educated')} = 1"]
        required = [skill.pk for skill in vacancy.required_skills.all()]
        if required:
            has = self.held("required", skills, "skill_id", required)
            gates.append(f"{has} = {len(required)}")
        self.passes = f"CASE WHEN {' AND '.join(gates)} THEN 1 ELSE 0 END"
        self._count = None
        self._pages = {}

    def column(self, table, name):
        quote = self.connection.ops.quote_name
        return f"{quote(table)}.{quote(name)}"

    def join(self, alias, queryset, owner="jobseeker_id", key="id", grouped=True, **aggregates):
        """Join `queryset`'s rows grouped per seeker (or person, `key`) as `alias`, with
        `aggregates`; the owner's id is its column "owner". Rows already one per owner need
        no grouping (`grouped=False`)."""
        rows = queryset.order_by().values(owner=F(owner))
        if aggregates:
            rows = rows.annotate(**aggregates)
        elif grouped:
            rows = rows.distinct()
        self.tables[alias] = (key, *compiled(rows))

    def held(self, alias, rows, column, ids):
        """SQL for how many of `ids` a seeker holds in `rows`, a many-to-many table (one row
        per seeker and value)."""
        rows = rows.filter(**{f"{column}__in": ids})
        if len(ids) == 1:
            # At most one row per seeker: nothing to count.
            self.join(alias, rows, grouped=False)
            return f"CASE WHEN {self.column(alias, 'owner')} IS NULL THEN 0 ELSE 1 END"
        self.join(alias, rows, held=Count("*"))
        return f"COALESCE({self.column(alias, 'held')}, 0)"

    def share(self, alias, rows, column, asked, weight):
        """`weight` in proportion to the share of `asked` the seeker has, whole points."""
        asked = [each.pk for each in asked]
        if not asked:
            return str(weight)
        return f"({self.held(alias, rows, column, asked)}) * {weight} / {len(asked)}"

    def query(self, select, tables, tail=""):
        sql, params = self.candidates
        parts = [f"SELECT {select} FROM ({sql}) {self.connection.ops.quote_name('c')}"]
        params = list(params)
        for alias in tables:
            key, table, table_params = self.tables[alias]
            parts.append(
                f"LEFT JOIN ({table}) {self.connection.ops.quote_name(alias)} "
                f"ON {self.column(alias, 'owner')} = {self.column('c', key)}"
            )
            params += table_params
        parts.append(f"WHERE {self.candidate} {tail}")
        with self.connection.cursor() as cursor:
            cursor.execute(" ".join(parts), params)
            return cursor.fetchall()

    def count(self):
        if self._count is None:
            self._count = self.query("COUNT(*)", ["wanted", "worked"])[0][0]
        return self._count

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("A ranking is read a page at a time.")
        key = self.bounds(index.start or 0, index.stop)
        if key not in self._pages:
            # The number of candidates comes with the page, counted before the limit.
            rows = self.query(
                f"{self.column('c', 'id')}, {self.score} AS score, {self.passes} AS passes, "
                "COUNT(*) OVER ()",
                list(self.tables),
                f"ORDER BY passes DESC, score DESC, {self.column('c', 'id')} "
                + self.connection.ops.limit_offset_sql(*key),
            )
            if rows:
                self._count = rows[0][3]
            # Kept under the bounds the count now gives, as the Paginator will ask for them.
            key = self.bounds(*key)
            self._pages[key] = [Ranked(*row[:3]) for row in rows]
        return self._pages[key]

    def bounds(self, start, stop):
        """A slice's bounds within the count once known: the last page is asked for up to the
        count, and read with the limit of a whole page."""
        if self._count is not None and stop is not None:
            stop = max(min(stop, self._count), start)
        return start, stop

    def page(self, number, per_page):
        """The page `number` of `per_page` seekers (the first if `number` is no number, the
        last if it is past the end), read with the count in one query."""
        try:
            number = max(int(number), 1)
        except (TypeError, ValueError):
            number = 1
        self[(number - 1) * per_page : number * per_page]
        return Paginator(self, per_page).get_page(number)

    def __iter__(self):
        return iter(self[:])


def compiled(queryset):
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def seekers_for(vacancy, seekers=None):
    """Active seekers who are candidates for a vacancy (prefetched with `with_requirements`),
    ranked best first as a `SeekerRanking` of their `score` and `passes` (1 when no gate
    fails); and the notes on what prevents matching. `seekers` is what the user may see
    (`visible_to`)."""
    notes = vacancy_notes(vacancy)
    seekers = JobSeeker.objects.all() if seekers is None else seekers
    if notes:
        return [], notes
    return SeekerRanking(vacancy, seekers), notes


def vacancies_for(seeker, vacancies=None):
    """Open vacancies a seeker (prefetched with `with_profile`) is a candidate for, annotated
    with `score` and `passes`, best first; and the notes on what prevents matching.
    `vacancies` is what the user may see (`visible_to`)."""
    notes = seeker_notes(seeker)
    vacancies = Vacancy.objects.all() if vacancies is None else vacancies
    if notes:
        return vacancies.none(), notes
    person = seeker.person
    occupations = judged_occupations(seeker)
    regions = {person.region_id, *(region.pk for region in seeker.regions.all())}
    found = vacancies.open().filter(
        region_id__in=regions,
        occupation__minor_group__in={each.minor_group for each in occupations},
    )

    units = {each.unit_group for each in occupations if each.unit_group}
    occupation_points = Case(
        When(
            occupation_id__in=[each.pk for each in occupations],
            then=Value(Weight.SAME_OCCUPATION),
        ),
        When(occupation__unit_group__in=units, then=Value(Weight.SAME_UNIT_GROUP)),
        default=Value(Weight.SAME_MINOR_GROUP),
    )

    districts = {district.pk for district in seeker.districts.all()}
    if person.district_id:
        districts.add(person.district_id)
    place_points = Case(
        When(district_id__in=districts, then=Value(Weight.SAME_DISTRICT)),
        When(region_id=person.region_id, then=Value(Weight.SAME_REGION)),
        default=Value(Weight.RELOCATING),
    )

    # The most years in the vacancy's occupation or its unit group: the rows longest first.
    years_whens = []
    for row in sorted(seeker.experience.all(), key=lambda row: -row.years):
        same_work = Q(occupation_id=row.occupation_id)
        if row.occupation.unit_group:
            same_work |= Q(occupation__unit_group=row.occupation.unit_group)
        years_whens.append(When(same_work, then=Value(row.years)))
    years = Case(*years_whens, default=Value(0)) if years_whens else Value(0)
    experience_points = Case(
        When(experience_years=0, then=Value(Weight.EXPERIENCE)),
        default=experience_share(years, F("experience_years")),
    )

    skills = {skill.pk for skill in seeker.skills.all()}
    required = Vacancy.required_skills.through.objects.filter(vacancy_id=OuterRef("pk"))
    desired = Vacancy.desired_skills.through.objects.filter(vacancy_id=OuterRef("pk"))
    asked = Vacancy.languages.through.objects.filter(vacancy_id=OuterRef("pk"))
    spoken = {language.pk for language in seeker.languages.all()}
    desired_points = share_points(
        Weight.DESIRED_SKILLS,
        count_rows(desired.filter(skill_id__in=skills), "vacancy_id"),
        count_rows(desired, "vacancy_id"),
    )
    language_points = share_points(
        Weight.LANGUAGES,
        count_rows(asked.filter(language_id__in=spoken), "vacancy_id"),
        count_rows(asked, "vacancy_id"),
    )
    licence_points = Case(
        When(
            licence_within("driving_licence", licence_categories(seeker.driving_licence)),
            then=Value(Weight.LICENCE),
        ),
        default=Value(0),
    )
    belongs = seeker_categories(person)
    if belongs:
        reserved_points = Case(
            When(
                Q(
                    Exists(
                        Reservation.objects.filter(
                            vacancy_id=OuterRef("pk"),
                            category__social_category_id__in=belongs,
                        )
                    )
                )
                | Q(quota__category__social_category_id__in=belongs),
                then=Value(Weight.RESERVED),
            ),
            default=Value(0),
        )
    else:
        reserved_points = Value(0)
    if seeker.salary_expected is not None:
        salary_points = Case(
            When(salary_to__lt=seeker.salary_expected, then=Value(0)),
            When(
                salary_to__isnull=True,
                salary_from__lt=seeker.salary_expected,
                then=Value(0),
            ),
            default=Value(Weight.SALARY),
        )
    else:
        salary_points = Value(Weight.SALARY)

    gates = ~Q(Exists(required.exclude(skill_id__in=skills)))
    if seeker.education is None:
        gates &= Q(education__isnull=True)
    else:
        gates &= Q(education__isnull=True) | Q(education__lte=seeker.education)
    passes = Case(When(gates, then=Value(1)), default=Value(0))

    score = (
        occupation_points
        + place_points
        + experience_points
        + desired_points
        + language_points
        + licence_points
        + reserved_points
        + salary_points
    )
    ranked = found.annotate(score=cast_int(score), passes=cast_int(passes)).order_by(
        "-passes", "-score", "pk"
    )
    return ranked, notes


def unjudged_seekers(vacancy, seekers=None):
    """The active seekers of the vacancy's region who give neither a position wanted nor
    experience: not ranked, listed apart for the page to say so."""
    seekers = JobSeeker.objects.all() if seekers is None else seekers
    return seekers.active().unjudged().filter(person__region_id=vacancy.region_id)


# ---------------------------------------------------------------------------------------------
# Explanations, for the page shown.


@dataclass
class Match:
    """One seeker for one vacancy: the score, whether every gate is passed, and why."""

    vacancy: Vacancy
    seeker: JobSeeker
    score: int = 0
    passes: bool = True
    matches: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    gates: list = field(default_factory=list)


def education_label(level):
    return EducationLevel(level).label


def assess(vacancy, seeker, personal_data=True):
    """The score of a seeker for a vacancy and its reasons, from the prefetched relations
    of both (`with_requirements`, `with_profile`): the same score the database ranks by.
    Without `personal_data`, a reserved place for people with disabilities is named with the
    mask, as the seeker's disability group is."""
    match = Match(vacancy=vacancy, seeker=seeker)
    person = seeker.person
    occupation = vacancy.occupation

    # Occupation: the nearest of the wanted occupations, then of the experience.
    best, best_code = Closeness.NONE, ""
    for candidate in [*seeker.occupations.all(), *(e.occupation for e in seeker.experience.all())]:
        closeness = occupation.closeness(candidate)
        if closeness > best:
            best, best_code = closeness, candidate.code
    match.score += OCCUPATION_POINTS[best]
    texts = {
        Closeness.SAME: _("Occupation: the same (%(code)s)"),
        Closeness.UNIT_GROUP: _("Occupation: same unit group (%(code)s)"),
        Closeness.MINOR_GROUP: _("Occupation: same minor group (%(code)s)"),
    }
    if best in texts:
        match.matches.append(texts[best] % {"code": best_code})
    else:
        match.missing.append(_("Occupation: another minor group"))

    # Place.
    districts = {district.pk for district in seeker.districts.all()}
    moves_to = {region.pk for region in seeker.regions.all()}
    if vacancy.district_id and (
        vacancy.district_id == person.district_id or vacancy.district_id in districts
    ):
        match.score += Weight.SAME_DISTRICT
        match.matches.append(_("Place: same district (%(place)s)") % {"place": vacancy.district})
    elif vacancy.region_id == person.region_id:
        match.score += Weight.SAME_REGION
        match.matches.append(_("Place: same region (%(place)s)") % {"place": vacancy.region})
    elif vacancy.region_id in moves_to:
        match.score += Weight.RELOCATING
        match.matches.append(
            _("Place: would move to %(place)s (lives in %(home)s)")
            % {"place": vacancy.region, "home": person.region}
        )
    else:
        match.missing.append(_("Place: would not move to %(place)s") % {"place": vacancy.region})

    # Experience in the occupation or its unit group.
    rows = [
        row
        for row in seeker.experience.all()
        if row.occupation_id == occupation.pk
        or (occupation.unit_group and row.occupation.unit_group == occupation.unit_group)
    ]
    longest = max(rows, key=lambda row: row.years, default=None)
    years = longest.years if longest else 0
    required_years = vacancy.experience_years
    if required_years:
        match.score += min(years * Weight.EXPERIENCE // required_years, Weight.EXPERIENCE)
    else:
        match.score += Weight.EXPERIENCE
    if required_years and years < required_years:
        match.missing.append(
            _("Experience, years: %(years)s (required %(required)s)")
            % {"years": years, "required": required_years}
        )
    elif longest:
        match.matches.append(
            _("Experience, years: %(years)s (%(code)s)")
            % {"years": years, "code": longest.occupation.code}
        )

    # Must-have skills and education: gates.
    skills = {skill.pk for skill in seeker.skills.all()}
    for skill in vacancy.required_skills.all():
        if skill.pk in skills:
            match.matches.append(_("Skill: %(skill)s") % {"skill": skill.name})
        else:
            match.gates.append(_("No must-have skill: %(skill)s") % {"skill": skill.name})
    if vacancy.education is not None:
        required = education_label(vacancy.education)
        if seeker.education is None:
            match.gates.append(
                _("Education not given, required: %(required)s") % {"required": required}
            )
        elif seeker.education < vacancy.education:
            match.gates.append(
                _("Education: %(level)s, required: %(required)s")
                % {"level": education_label(seeker.education), "required": required}
            )
        else:
            match.matches.append(
                _("Education: %(level)s") % {"level": education_label(seeker.education)}
            )
    match.passes = not match.gates

    # Nice-to-have skills and languages, in proportion.
    desired = list(vacancy.desired_skills.all())
    had = [skill for skill in desired if skill.pk in skills]
    match.score += (
        Weight.DESIRED_SKILLS * len(had) // len(desired) if desired else (Weight.DESIRED_SKILLS)
    )
    for skill in desired:
        if skill.pk in skills:
            match.matches.append(_("Skill: %(skill)s") % {"skill": skill.name})
        else:
            match.missing.append(_("No nice-to-have skill: %(skill)s") % {"skill": skill.name})
    asked = list(vacancy.languages.all())
    spoken = {language.pk for language in seeker.languages.all()}
    known = [language for language in asked if language.pk in spoken]
    match.score += Weight.LANGUAGES * len(known) // len(asked) if asked else Weight.LANGUAGES
    for language in asked:
        if language.pk in spoken:
            match.matches.append(_("Language: %(language)s") % {"language": language})
        else:
            match.missing.append(_("No language: %(language)s") % {"language": language})

    # Driving licence.
    wanted_categories = licence_categories(vacancy.driving_licence)
    lacking = wanted_categories - licence_categories(seeker.driving_licence)
    if lacking:
        match.missing.append(
            _("No driving licence category: %(categories)s")
            % {"categories": ", ".join(sorted(lacking))}
        )
    else:
        match.score += Weight.LICENCE
        if wanted_categories:
            match.matches.append(
                _("Driving licence: %(categories)s")
                % {"categories": ", ".join(sorted(wanted_categories))}
            )

    # Reserved places of a category the person belongs to.
    reserved = reserved_categories(vacancy)
    belongs = [each for each in reserved.values() if person.belongs_to(each)]
    if belongs:
        match.score += Weight.RESERVED
        names = sorted(
            MASK if each.code == DISABILITY and not personal_data else str(each) for each in belongs
        )
        match.matches.append(
            _("Reserved places: %(categories)s") % {"categories": ", ".join(names)}
        )

    # Salary: the expectation against the top of the offer.
    top = vacancy.salary_to if vacancy.salary_to is not None else vacancy.salary_from
    expected = seeker.salary_expected
    if top is None or expected is None:
        match.score += Weight.SALARY
    else:
        offer = (
            _("Expects %(expected)s ₸, offered up to %(offered)s ₸")
            if vacancy.salary_to is not None
            else _("Expects %(expected)s ₸, offered from %(offered)s ₸")
        ) % {"expected": money(expected), "offered": money(top)}
        if expected <= top:
            match.score += Weight.SALARY
            match.matches.append(offer)
        else:
            match.missing.append(offer)
    return match


def explain_seekers(vacancy, page, personal_data=True):
    """The page's seekers, each with its explanation: a constant number of queries."""
    seekers = {
        seeker.pk: seeker
        for seeker in with_profile(JobSeeker.objects.filter(pk__in=[each.pk for each in page]))
    }
    return [assess(vacancy, seekers[each.pk], personal_data) for each in page]


def explain_vacancies(seeker, page, personal_data=True):
    """The page's vacancies, each with its explanation: a constant number of queries."""
    vacancies = {
        vacancy.pk: vacancy
        for vacancy in with_requirements(Vacancy.objects.filter(pk__in=[each.pk for each in page]))
    }
    return [assess(vacancies[each.pk], seeker, personal_data) for each in page]
