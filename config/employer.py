"""An organization's whole picture on its page: what the other registries hold about it, each
part with its count and a link to the list filtered to it, in a fixed number of queries."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from memoranda.models import Commitment, CommitmentStatus, Memorandum
from quotas.models import Placement, Quota, SpecialWorkplace, today
from registry.models import in_regions_of


def plural(model):
    return capfirst(model._meta.verbose_name_plural)


def changelist(name, **filters):
    return f"{reverse(f'admin:{name}_changelist')}?{urlencode(filters)}"


@dataclass
class Part:
    """One registry's records about the organization: how many, and where to see them."""

    title: str
    count: int
    url: str
    # Further figures as (label, value, link or "").
    details: list = field(default_factory=list)
    # Where to add one for this organization, as (label, link), for a user who may.
    add: tuple = ()


class EmployerPicture:
    """Quotas of the year with places and filled, placements, special workplaces, memoranda and
    commitments of one organization, as far as the user may see each registry."""

    def __init__(self, organization, user, on=None):
        self.today = on or today()
        self.year = self.today.year
        self.organization = organization
        self.quotas = []
        self.parts = []
        pk = organization.pk
        if user.has_perm("quotas.view_quota"):
            self.quotas = list(
                in_regions_of(Quota.objects.filter(organization=pk, year=self.year), user)
                .with_compliance(self.today)
                .select_related("category")
                .order_by("category__name_ru")
            )
            self.parts.append(
                Part(
                    _("Quotas for %(year)s") % {"year": self.year},
                    len(self.quotas),
                    changelist("quotas_quota", organization__id__exact=pk, year=self.year),
                    [
                        (_("places"), sum(q.effective_places or 0 for q in self.quotas), ""),
                        (_("filled"), sum(q.filled for q in self.quotas), ""),
                    ],
                )
            )
        if user.has_perm("quotas.view_placement"):
            placements = in_regions_of(Placement.objects.filter(organization=pk), user)
            counts = placements.order_by().aggregate(
                total=Count("pk"),
                active=Count("pk", filter=Q(pk__in=placements.active_on(self.today).values("pk"))),
            )
            self.parts.append(
                Part(
                    plural(Placement),
                    counts["total"],
                    changelist("quotas_placement", organization__id__exact=pk),
                    [(_("working today"), counts["active"], "")],
                    # The placement form with this employer chosen, its quotas offered.
                    add=(
                        (
                            _("New placement"),
                            f"{reverse('admin:quotas_placement_add')}?organization={pk}",
                        )
                        if user.has_perm("quotas.add_placement")
                        else ()
                    ),
                )
            )
        if user.has_perm("quotas.view_specialworkplace"):
            workplaces = in_regions_of(SpecialWorkplace.objects.filter(organization=pk), user)
            self.parts.append(
                Part(
                    plural(SpecialWorkplace),
                    workplaces.count(),
                    changelist("quotas_specialworkplace", organization__id__exact=pk),
                )
            )
        if user.has_perm("memoranda.view_memorandum"):
            memoranda = in_regions_of(Memorandum.objects.filter(parties__organization=pk), user)
            counts = memoranda.order_by().aggregate(
                total=Count("pk", distinct=True),
                in_force=Count(
                    "pk",
                    distinct=True,
                    filter=Q(pk__in=Memorandum.objects.in_force(self.today).values("pk")),
                ),
            )
            self.parts.append(
                Part(
                    plural(Memorandum),
                    counts["total"],
                    changelist("memoranda_memorandum", party=pk),
                    [(_("in force"), counts["in_force"], "")],
                )
            )
        if user.has_perm("memoranda.view_commitment"):
            commitments = in_regions_of(Commitment.objects.filter(responsible=pk), user)
            counts = (
                commitments.with_progress(self.today)
                .order_by()
                .aggregate(
                    total=Count("pk"),
                    overdue=Count("pk", filter=Q(status=CommitmentStatus.OVERDUE)),
                )
            )
            url = changelist("memoranda_commitment", responsible__id__exact=pk)
            self.parts.append(
                Part(
                    plural(Commitment),
                    counts["total"],
                    url,
                    [(_("overdue"), counts["overdue"], f"{url}&status=overdue")],
                )
            )
