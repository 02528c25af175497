"""gunicorn settings; each can be overridden by the environment variable named beside it."""
import gc
import multiprocessing
import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000
accesslog = "-"
logger_class = "web.redact.RedactingLogger"  # device tokens travel in some URL paths
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(_worker) -> None:
    """Once a worker has loaded the app, move everything it holds so far out of the garbage collector's
    sight: modules, templates and the ORM's mappings live as long as the worker, and scanning them again in
    every full collection cost a batch ingest request about 7 % of its CPU (bench/RESULTS.md)."""
    gc.freeze()
