"""gunicorn settings for `make run` and production.

One worker process with many threads: Flask-SocketIO keeps each open websocket on a thread of its
own for as long as the chat is open, so THREADS bounds how many visitors one process serves at once;
one process shares one copy of the model. (gunicorn sets TCP_NODELAY on its sockets.)
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
worker_class = "gthread"
# One worker: Socket.IO's long-polling needs every request of a visitor in the same process, and gunicorn
# does not keep them there. For more, run more gunicorn instances (BIND=...) behind nginx with ip_hash.
workers = 1
threads = int(os.environ.get("THREADS", "320"))
timeout = 120  # the first start may build the index before serving
graceful_timeout = 10
accesslog = os.environ.get("ACCESS_LOG", "-") or None  # ACCESS_LOG= (empty) turns it off
