"""The staff roles, as groups of permissions kept in step with the models.

Regional limits are not permissions: every admin page applies the user's regions on top of them
(registry.models.RegionalQuerySet.visible_to).
"""

from django.contrib.auth.management import create_permissions

# Records staff keep; reference data is what they pick from.
DATA_MODELS = [
    "registry.organization",
    "memoranda.memorandum",
    "memoranda.party",
    "memoranda.commitment",
    "memoranda.commitmentreport",
    "memoranda.memorandumdocument",
    "quotas.quota",
    "quotas.specialworkplace",
    "quotas.placement",
    "quotas.person",
    # Vacancies and the surveys that find them, job seekers and their referrals. A seeker's
    # identity is the person's: shown in full only with the personal-data permission.
    "vacancies.surveycampaign",
    "vacancies.surveyresponse",
    "vacancies.surveyline",
    "vacancies.vacancy",
    "vacancies.reservation",
    "vacancies.jobseeker",
    "vacancies.experience",
    "vacancies.referral",
]
REFERENCE_MODELS = [
    "registry.region",
    "registry.district",
    "registry.legalform",
    "registry.organizationkind",
    "registry.okedsection",
    "quotas.socialcategory",
    "quotas.quotacategory",
    "quotas.employmentmeasure",
    "vacancies.occupation",
    "vacancies.skill",
    "vacancies.language",
]
# Reference data registry editors keep themselves: the occupational classifier (national
# positions the official list lacks) and the skills dictionary.
EDITED_REFERENCE_MODELS = ["vacancies.occupation", "vacancies.skill"]
REGISTRY_EDITOR = "Редактор реестров / Тізілімдер редакторы"
DEPARTMENT_HEAD = "Руководитель управления / Басқарма басшысы"
PERSONAL_DATA_OFFICER = "Ответственный за персональные данные / Дербес деректерге жауапты"
ADMINISTRATOR = "Администратор / Әкімші"

ROLES = {
    REGISTRY_EDITOR: [
        (DATA_MODELS, ["view", "add", "change", "import", "export"]),
        (REFERENCE_MODELS, ["view"]),
        (EDITED_REFERENCE_MODELS, ["add", "change", "import", "export"]),
        (["memoranda.reminder"], ["view"]),
    ],
    DEPARTMENT_HEAD: [
        (DATA_MODELS, ["view", "export"]),
        (REFERENCE_MODELS, ["view"]),
        (["memoranda.reminder"], ["view"]),
    ],
    PERSONAL_DATA_OFFICER: [
        (["quotas.person"], ["view", "add", "change", "import", "export", "personal_data"]),
        (["quotas.placement"], ["view"]),
        (REFERENCE_MODELS, ["view"]),
    ],
}


def codenames(models, actions):
    for label in models:
        app_label, model = label.split(".")
        for action in actions:
            codename = "view_personal_data" if action == "personal_data" else f"{action}_{model}"
            yield app_label, codename


def sync_roles(apps, verbosity=0):
    """Create the role groups and set their permissions; safe to run any number of times."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=verbosity)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, grants in {**ROLES, ADMINISTRATOR: []}.items():
        group, _created = group_model.objects.get_or_create(name=name)
        if name == ADMINISTRATOR:
            permissions = permission_model.objects.all()
        else:
            wanted = {pair for models, actions in grants for pair in codenames(models, actions)}
            permissions = [
                permission
                for permission in permission_model.objects.select_related("content_type")
                if (permission.content_type.app_label, permission.codename) in wanted
            ]
        group.permissions.set(permissions)


def keep_roles_in_step(sender, apps=None, **kwargs):
    from django.apps import apps as installed_apps

    # A test database's flush sends the signal without the migration state: use the live apps.
    sync_roles(apps or installed_apps)
