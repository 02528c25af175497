"""With REDIS_URL set, rate limits live in Redis, shared by every web process."""
import os
import secrets

import pytest
import redis

from tests.conftest import post_form

REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis must run on 127.0.0.1:6379 in CI")
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield client
    client.close()


def test_login_limit_is_counted_in_redis_and_shared_between_apps(app_config, redis_client):
    from app import create_app

    prefix = "df-test-" + secrets.token_hex(4)
    app_config.update(REDIS_URL=REDIS, RATELIMIT_KEY_PREFIX=prefix)
    first, second = create_app(dict(app_config)), create_app(dict(app_config))
    try:
        statuses = []
        for index in range(12):
            client = (first if index % 2 else second).test_client()  # two "web processes"
            statuses.append(post_form(client, "/login",
                                      {"email": "x@y.test", "password": "wrong-password"}).status_code)
        assert statuses[:10] == [401] * 10
        assert statuses[10:] == [429, 429]
        assert any(redis_client.scan_iter(f"*{prefix}*")), "the counters live in Redis"
    finally:
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)
        for application in (first, second):
            application.extensions["database"].dispose()
