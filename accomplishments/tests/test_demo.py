import pytest
from django.core.management import CommandError, call_command

from accomplishments.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_one_user_per_role(seed_plan, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    from django.contrib.auth.models import User

    users = {u.username: u for u in User.objects.prefetch_related("groups", "lead_bodies", "focal_for")}
    assert set(users) == {"secretariat", "chair", "biodiversity-lead", "greeneconomy-lead", "esm-lead",
                          "unido-focal", "viewer"}
    assert users["secretariat"].check_password(DEMO_PASSWORD)
    assert [g.name for g in users["chair"].groups.all()] == ["chair"]
    assert [b.short_name for b in users["biodiversity-lead"].lead_bodies.all()] == ["IMG Biodiversity"]
    assert [b.short_name for b in users["greeneconomy-lead"].lead_bodies.all()] == ["IMG Green Economy"]
    assert [b.short_name for b in users["esm-lead"].lead_bodies.all()] == ["IMG ESM"]
    assert [m.acronym for m in users["unido-focal"].focal_for.all()] == ["UNIDO"]
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # repeatable
    assert User.objects.count() == 7


def test_seed_demo_refuses_without_debug(seed_plan, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
