"""gunicorn settings for anxin (docs/deploy.md): ``gunicorn -c deploy/gunicorn.conf.py``.

gunicorn listens on the loopback only; nginx (deploy/nginx/anxin.conf) terminates TLS and proxies
to it. Each value can be changed in the environment file without editing this one:

- ``ANXIN_BIND``: where gunicorn listens (default ``127.0.0.1:8001``, the ``upstream`` of the
  nginx configuration; ``unix:/run/anxin/gunicorn.sock`` also works, see docs/deploy.md).
- ``ANXIN_WORKERS``: worker processes (default 2 per core + 1, at most 9). Each takes about
  100 MB; the pages are CPU-bound Python, so processes, not threads, use the cores.
- ``ANXIN_THREADS``: threads per worker (default 2): a thread waiting for the database or a slow
  client does not hold a whole process.
- ``ANXIN_TIMEOUT``: seconds before a stuck request's worker is restarted (default 60; the
  longest pages, reports and exports, take a few seconds at city scale).
"""

from __future__ import annotations

import os

# The code directory (this file's parent's parent): the same for `gunicorn -c` run from anywhere.
chdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
wsgi_app = "config.wsgi:application"


def _load_env_file() -> None:
    """The environment file, read as config/settings.py reads it (values already in the
    environment win): started by hand, gunicorn then listens where systemd would make it."""
    var_dir = os.environ.get("ANXIN_VAR_DIR", os.path.join(chdir, "var"))
    path = os.environ.get("ANXIN_ENV_FILE", os.path.join(var_dir, "anxin.env"))
    if not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as env_file:
        for raw in env_file:
            line = raw.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                os.environ.setdefault(key.strip(), value.strip())


_load_env_file()

bind = [os.environ.get("ANXIN_BIND", "127.0.0.1:8001")]
workers = int(os.environ.get("ANXIN_WORKERS", str(min(2 * (os.cpu_count() or 1) + 1, 9))))
threads = int(os.environ.get("ANXIN_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("ANXIN_TIMEOUT", "60"))
graceful_timeout = 30
# Idle keep-alive connections stay open longer than nginx keeps its idle upstream connections
# (keepalive_timeout 60s in anxin.conf), so nginx always closes first: otherwise a request sent on
# a connection gunicorn is closing at that moment fails with "connection reset" (the load test
# saw it with 5 s). gthread parks idle connections in its poller: they hold no thread.
keepalive = 75
# A worker is replaced after about 1,000 requests, which bounds slow memory growth.
max_requests = 1000
max_requests_jitter = 100
# Only nginx on this machine may set X-Forwarded-For / -Proto for gunicorn's own log and scheme.
forwarded_allow_ips = "127.0.0.1,::1"

# Logs go to stdout/stderr: systemd's journal keeps them (journalctl -u anxin).
accesslog = "-"
errorlog = "-"
loglevel = "info"
# Client address (from nginx), method and path, status, bytes, request time in milliseconds. No
# query string: searches carry names and ID-number tails (personal data), which logs must not keep.
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
proc_name = "anxin"
# No gunicornc control socket (it would be made in the read-only home): systemd manages the
# process (systemctl reload anxin sends HUP, restart stops and starts it).
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Import every view (the URL configuration) before the worker takes requests: otherwise
    the first request of each new worker waits ~4 s for the imports (reports load matplotlib),
    and with max_requests a worker is replaced every ~1,000 requests."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the attribute loads the URL modules)
