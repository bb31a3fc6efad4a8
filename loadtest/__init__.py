"""``make loadtest``: 50 users on the city-scale benchmark data through gunicorn.

See docs/benchmarks.md. Outside the ``anxin`` package on purpose: locust monkey-patches the
standard library with gevent and must never be imported by the application or its tests.
"""
