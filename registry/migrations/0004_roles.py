from django.db import migrations

# The roles were created here once; they are now kept in step with the models after every
# migrate (config.roles.keep_roles_in_step), so this migration no longer does anything and the
# registry's migrations depend on no other app of the product.


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_staff_regions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = []
