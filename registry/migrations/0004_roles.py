from django.db import migrations


def create_roles(apps, schema_editor):
    from registry.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_staff_regions"),
        ("memoranda", "0001_initial"),
        ("quotas", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
