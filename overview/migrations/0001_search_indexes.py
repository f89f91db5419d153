"""GIN indexes for the full-text search of overview/search.py, on PostgreSQL only.

The indexed expressions are built by Django from the same SearchVector expressions the search
uses, so the planner can match them. SQLite (the embedded default) has no GIN: nothing to do there.
"""
from django.db import migrations

CONFIG = "english"


def _indexes(apps):
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return [
        (apps.get_model("activities", "Activity"), GinIndex(
            SearchVector("title", weight="A", config=CONFIG) + SearchVector("description", weight="B", config=CONFIG),
            name="overview_activity_search")),
        (apps.get_model("activities", "Milestone"), GinIndex(
            SearchVector("text", weight="B", config=CONFIG), name="overview_milestone_search")),
        (apps.get_model("activities", "ProgressUpdate"), GinIndex(
            SearchVector("narrative", weight="C", config=CONFIG), name="overview_update_search")),
    ]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.add_index(model, index)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [("activities", "0002_contribution_year_in_plan")]

    operations = [migrations.RunPython(add_indexes, remove_indexes)]
