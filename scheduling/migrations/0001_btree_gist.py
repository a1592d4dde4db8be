from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations


class Migration(migrations.Migration):
    """btree_gist lets exclusion constraints mix equality (doctor) and range overlap.

    CreateExtension does nothing on databases other than PostgreSQL.
    """

    initial = True
    dependencies = []
    operations = [BtreeGistExtension()]
