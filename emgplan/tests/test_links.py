from django.urls import reverse, set_script_prefix

from emgplan.links import pk_url


def test_pk_url_is_reverse_for_every_id_and_prefix():
    names = ["activities:activity-detail", "activities:milestone-detail", "activities:milestone-status"]
    try:
        for prefix in ("/", "/emg/"):
            set_script_prefix(prefix)
            for name in names:
                for pk in (1, 7, 918273645, 10**12):
                    assert pk_url(name, pk) == reverse(name, args=[pk])
            assert pk_url(names[0], 5).startswith(prefix)
    finally:
        set_script_prefix("/")
