"""The benchmark's baseline: the upper limit of this stack on this machine (wired only when EMG_BENCHMARK is on).

It goes through the same middleware and sign-in as every page but does no work of its own, so a page's
throughput divided by this one's says how close the page is to the fastest the stack can serve.
"""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

BASELINE_HTML = b"<!doctype html><html><head><title>baseline</title></head><body><p>ok</p></body></html>"


@login_required
def baseline(request):
    """A small constant page for a signed-in user; safe to repeat."""
    return HttpResponse(BASELINE_HTML)
