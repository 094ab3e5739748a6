"""gunicorn settings for `make run` and production.

One worker process on gevent's event loop (`bot.worker.ChatWorker`): each connection is a greenlet, so an
open but quiet chat holds no thread (54 KB of memory each for 5,500 held by `make load`). The work a question
needs runs on a small pool of OS threads (BOT_ANSWER_THREADS) while its greenlet waits, so one question
never stops the others' connections; staff work has its own threads. One process shares one copy of the
model. Socket.IO sessions are capped per client address (BOT_MAX_CONNECTIONS_PER_IP) and in total
(BOT_MAX_CHAT_CONNECTIONS, below `worker_connections`), which leaves connections for /healthz and staff.
"""

import os
import resource

bind = os.environ.get("BIND", "127.0.0.1:5000")
worker_class = "bot.worker.ChatWorker"
# One worker: Socket.IO's long-polling needs every request of a visitor in the same process, and gunicorn
# does not keep them there. For more, run more gunicorn instances (BIND=...) behind nginx (deploy/nginx.conf).
workers = 1
# Connections the worker holds at once (open chats, long-polls, page requests). A long-polling chat can use
# two (a held GET and a POST), so chats are capped at RESERVED fewer than this: those are for /healthz,
# staff pages and the widget's files whatever the chat load.
worker_connections = int(os.environ.get("CONNECTIONS", "10000"))
RESERVED = 500
os.environ.setdefault("BOT_MAX_CHAT_CONNECTIONS", str(max(1, worker_connections - RESERVED)))
# Every connection is a file descriptor: allow as many as the system lets this user have.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if _hard == resource.RLIM_INFINITY or _soft < _hard:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_hard, _hard))
# gevent's worker reads each request's headers under this timeout: a client that sends headers without the
# final blank line is cut off after it. It is also how long an idle keep-alive connection stays open.
keepalive = 5
timeout = 120  # the first start may build the index before serving
graceful_timeout = 10
accesslog = os.environ.get("ACCESS_LOG", "-") or None  # ACCESS_LOG= (empty) turns it off
