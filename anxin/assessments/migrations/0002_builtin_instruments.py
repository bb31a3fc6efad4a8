"""Load the built-in instrument definitions (anxin/assessments/instruments/*.yaml).

A later change to a shipped definition raises its version and adds a migration like this one;
``sync_builtin_instruments`` only adds rows that do not exist yet and refuses a changed file
whose version was not raised.
"""

from django.db import migrations


def load(apps, schema_editor):
    from anxin.assessments.definitions import sync_builtin_instruments

    sync_builtin_instruments(apps.get_model("assessments", "Instrument"))


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
