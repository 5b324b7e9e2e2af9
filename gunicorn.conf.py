"""gunicorn's settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app`` (README, "Running in production").

Why gevent: a threaded worker (``--threads``) gives each connection a thread for as long as its
client takes to send the request body, so a few dozen slow uploads hold every thread and the
portal stops answering (issue 8, finding 5). A gevent worker holds each connection in a
greenlet that costs almost nothing while it waits, so slow clients wait on their own and
every other request is served. A buffering proxy in front (nginx, see the README) is still
the first defence against many thousands of them.

Every setting can be changed through the environment, as named below.
"""

from __future__ import annotations

import os
import socket

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# psycopg (3.1.14 on) sees gevent's patched select and waits cooperatively (wait_poll, not its C
# wait), so a query does not block the worker's other connections. gthread costs about a fifth
# less CPU per check-in on this 2-core machine (bench/license_api.py, PORTAL_WORKER_CLASS=gthread)
# but fails tests/test_production_server.py's slow uploads: keep gevent unless a buffering proxy
# is in front.
worker_class = os.environ.get("PORTAL_WORKER_CLASS", "gevent")
threads = int(os.environ.get("PORTAL_THREADS", "8"))  # gthread only
# Connections a worker holds at once (slow ones included) before it stops accepting more.
worker_connections = int(os.environ.get("PORTAL_WORKER_CONNECTIONS", "1000"))
# A worker that does not report back for this long (a request stuck on the CPU) is restarted.
timeout = int(os.environ.get("PORTAL_WORKER_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# A client silent for this long while sending its request (headers or body) is dropped.
client_idle_timeout = float(os.environ.get("PORTAL_CLIENT_TIMEOUT", "30"))
# Bounds on the request line and headers (the body is bounded by MAX_CONTENT_LENGTH in the app).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-")


def post_fork(server, worker):  # noqa: ARG001 (gunicorn's hook signature)
    # Sockets accepted after this inherit the timeout: a read that waits longer raises and ends
    # that connection only.
    socket.setdefaulttimeout(client_idle_timeout)
