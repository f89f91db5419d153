from django.conf import settings


def site(request):
    """Values every page's layout needs."""
    return {"EMG_DEMO": settings.EMG_DEMO}
