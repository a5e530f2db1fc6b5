"""Settings of the server that bench/safety_submit.py starts: the project's own, plus
the bench's routes (the bare submit view) and a middleware that reports each
request's CPU time and queries in response headers. Never used outside the bench."""

from edubureau.settings import *  # noqa: F403
from edubureau.settings import MIDDLEWARE

ROOT_URLCONF = "bench.safety_submit_urls"
# First, so it measures everything the request costs the worker, middleware included.
MIDDLEWARE = ["bench.safety_submit_urls.CostHeaders", *MIDDLEWARE]
