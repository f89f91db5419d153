"""Wired by emgplan.urls only when EMG_BENCHMARK is on."""
from django.urls import path

from .bench_views import baseline

urlpatterns = [path("_bench/baseline/", baseline, name="bench-baseline")]
