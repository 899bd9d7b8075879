"""Gunicorn for the Fristvagt web tier: `gunicorn -c gunicorn.conf.py app:server`.

Settings come from the environment (settings.py): HOST/PORT to bind, WEB_WORKERS
processes (`auto`: 2 per CPU core, at most 8) of WEB_THREADS threads each,
WEB_TIMEOUT seconds before a silent worker is restarted (long enough for an
export), LOG_LEVEL. The app is imported in each worker after the fork
(`preload_app = False`), so no worker shares a database connection or a cache
client with another. Logs are one JSON object a line on stderr (components.weblog);
the app writes its own access line per request, with the request id, so
gunicorn's access log stays off.
"""

from __future__ import annotations

import os

import settings
from components.weblog import logging_config

bind = f"{settings.HOST.get()}:{settings.PORT.get()}"
workers = settings.WEB_WORKERS.get()
worker_class = "gthread"
threads = settings.WEB_THREADS.get()
timeout = settings.WEB_TIMEOUT.get()
graceful_timeout = 30
keepalive = 5
preload_app = False  # each worker opens its own database connections after the fork
max_requests = 2000  # a worker is replaced now and then: memory never creeps up
max_requests_jitter = 200
proc_name = "fristvagt-web"
accesslog = None  # the app logs each request itself (with its request id)
errorlog = "-"
loglevel = settings.LOG_LEVEL.get().lower()
logconfig_dict = logging_config(settings.LOG_LEVEL.get())
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # the workers' heartbeat files: never wait on a slow disk
# no runtime control socket: one fixed path per user would be shared by every instance
control_socket_disable = True


def post_worker_init(worker: object) -> None:
    """Each worker sets Dash up once before it takes traffic (see app.warm_up)."""
    from app import warm_up

    warm_up()
