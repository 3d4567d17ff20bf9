"""The match lists: suitable job seekers for a vacancy, suitable vacancies for a seeker.

Each row carries its score and what matches and what is missing (`vacancies.matching`), and
a button that refers the seeker; a seeker nothing suits is referred to a short course from
the same page. Records come through `visible_to`: a user ranks and refers only the seekers
and vacancies of the regions they work in (a seeker who would move there included). The
seeker's IIN is masked without the personal-data right, as on the seekers' pages.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quotas.models import EmploymentMeasure
from quotas.personal_data import mask, shows_personal_data
from registry.models import Organization, in_regions_of

from .matching import (
    explain_seekers,
    explain_vacancies,
    seekers_for,
    unjudged_seekers,
    vacancies_for,
    with_profile,
    with_requirements,
)
from .models import JobSeeker, Referral, SeekerStatus, Vacancy

PER_PAGE = 20
# The employment measure a seeker is referred to when no vacancy suits (reference data).
SHORT_COURSE = "short_course"


def allow(request, *permissions):
    if not all(request.user.has_perm(f"vacancies.{each}") for each in permissions):
        raise PermissionDenied


def identity(seeker, personal_data):
    """The seeker as the list shows them: name and IIN, masked without the right."""
    person = seeker.person
    iin = person.iin if personal_data else mask("iin", person.iin)
    return f"{person.full_name}, {iin}"


def save_referral(request, referral):
    """Validate and save a referral; its errors become messages."""
    try:
        referral.full_clean()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return False
    referral.save()
    return True


def rows_of(page, matches, referred):
    """The page's rows, the database's score beside each explanation."""
    return [
        {"item": item, "score": item.score, "match": match, "referred": item.pk in referred}
        for item, match in zip(page.object_list, matches, strict=True)
    ]


def unjudged_list(vacancy, seekers):
    """The seekers' list of the vacancy's region narrowed to those not ranked for want of a
    position or experience; None when there are none."""
    if not unjudged_seekers(vacancy, seekers).exists():
        return None
    query = urlencode(
        {
            "status__exact": SeekerStatus.ACTIVE,
            "profile": "unjudged",
            "person__region__id__exact": vacancy.region_id,
        }
    )
    return f"{reverse('admin:vacancies_jobseeker_changelist')}?{query}"


def vacancy_seekers(request, pk):
    """Job seekers ranked for a vacancy; POST refers one to it."""
    allow(request, "view_vacancy", "view_jobseeker")
    user = request.user
    vacancy = get_object_or_404(with_requirements(Vacancy.objects.visible_to(user)), pk=pk)
    seekers = JobSeeker.objects.visible_to(user)
    if request.method == "POST":
        allow(request, "add_referral")
        seeker = get_object_or_404(seekers, pk=request.POST.get("seeker") or 0)
        referral = Referral(seeker=seeker, vacancy=vacancy, referred_by=user)
        if save_referral(request, referral):
            messages.success(
                request,
                _("%(seeker)s is referred to the vacancy.")
                % {"seeker": identity(seeker, shows_personal_data(user))},
            )
        return redirect(request.get_full_path())

    personal_data = shows_personal_data(user)
    ranked, notes = seekers_for(vacancy, seekers)
    number = request.GET.get("p")
    page = Paginator([], PER_PAGE).get_page(1) if notes else ranked.page(number, PER_PAGE)
    matches = explain_seekers(vacancy, page.object_list, personal_data)
    referred = set(
        Referral.objects.filter(
            vacancy=vacancy, seeker__in=[each.pk for each in page.object_list]
        ).values_list("seeker_id", flat=True)
    )
    rows = rows_of(page, matches, referred)
    for row, match in zip(rows, matches, strict=True):
        row["identity"] = identity(match.seeker, personal_data)
    context = {
        **admin.site.each_context(request),
        "title": _("Suitable job seekers"),
        "subtitle": str(vacancy),
        "vacancy": vacancy,
        "opts": Vacancy._meta,
        "page": page,
        "rows": rows,
        "notes": notes,
        "unjudged": None if notes else unjudged_list(vacancy, seekers),
        "may_refer": user.has_perm("vacancies.add_referral") and vacancy.free_places > 0,
        "no_free_places": not vacancy.free_places,
    }
    return TemplateResponse(request, "vacancies/match_seekers.html", context)


class CourseForm(forms.Form):
    """The course provider a seeker is referred to when no vacancy suits."""

    provider = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=gettext_lazy("course provider")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["provider"]
        field.widget = AutocompleteSelect(Referral._meta.get_field("provider"), admin.site)
        # Set after the widget, which takes its choices from the queryset.
        field.queryset = in_regions_of(Organization.objects.all(), user)


def seeker_vacancies(request, pk):
    """Open vacancies ranked for a job seeker; POST refers them to one, or to a short course."""
    allow(request, "view_vacancy", "view_jobseeker")
    user = request.user
    seeker = get_object_or_404(with_profile(JobSeeker.objects.visible_to(user)), pk=pk)
    vacancies = Vacancy.objects.visible_to(user)
    personal_data = shows_personal_data(user)
    course_form = CourseForm(user=user)
    if request.method == "POST":
        allow(request, "add_referral")
        if "provider" in request.POST:
            course_form = CourseForm(request.POST, user=user)
            if course_form.is_valid():
                referral = Referral(
                    seeker=seeker,
                    course=EmploymentMeasure.objects.get(code=SHORT_COURSE),
                    provider=course_form.cleaned_data["provider"],
                    referred_by=user,
                )
                if save_referral(request, referral):
                    messages.success(
                        request,
                        _("%(seeker)s is referred to a short course at %(provider)s.")
                        % {
                            "seeker": identity(seeker, personal_data),
                            "provider": referral.provider.display_name,
                        },
                    )
                return redirect(request.get_full_path())
        else:
            vacancy = get_object_or_404(vacancies, pk=request.POST.get("vacancy") or 0)
            referral = Referral(seeker=seeker, vacancy=vacancy, referred_by=user)
            if save_referral(request, referral):
                messages.success(
                    request,
                    _("%(seeker)s is referred to %(vacancy)s.")
                    % {"seeker": identity(seeker, personal_data), "vacancy": vacancy},
                )
            return redirect(request.get_full_path())

    ranked, notes = vacancies_for(seeker, vacancies)
    page = Paginator(ranked, PER_PAGE).get_page(request.GET.get("p"))
    matches = explain_vacancies(seeker, page.object_list, personal_data)
    referred = set(
        Referral.objects.filter(
            seeker=seeker, vacancy__in=[each.pk for each in page.object_list]
        ).values_list("vacancy_id", flat=True)
    )
    may_refer = user.has_perm("vacancies.add_referral")
    context = {
        **admin.site.each_context(request),
        "title": _("Suitable vacancies"),
        "subtitle": identity(seeker, personal_data),
        "seeker": seeker,
        "opts": JobSeeker._meta,
        "page": page,
        "rows": rows_of(page, matches, referred),
        "notes": notes,
        "may_refer": may_refer and not notes,
        "course_form": course_form if may_refer and seeker.status == SeekerStatus.ACTIVE else None,
        "nothing_fits": not any(match.passes for match in matches),
    }
    return TemplateResponse(request, "vacancies/match_vacancies.html", context)
