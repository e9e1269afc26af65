"""REDIS_URL for a cluster: seeds, credentials, TLS and options; bad ones named at startup;
the password never shown."""

from __future__ import annotations

import pytest

from frontdesk.config import ConfigError, load_settings, store_description
from frontdesk.store.redis_url import hide_password, is_cluster_url, parse_cluster_url

GOOD = {"FRONTDESK_SECRET": "s" * 32, "FRONTDESK_API_KEY": "key"}


@pytest.mark.parametrize(("url", "seeds", "username", "password", "ssl", "options"), [
    ("redis+cluster://10.0.0.1:7000", (("10.0.0.1", 7000),), None, None, False, {}),
    ("redis+cluster://a:7000,b:7001, c:7002/", (("a", 7000), ("b", 7001), ("c", 7002)),
     None, None, False, {}),
    ("rediss+cluster://default:p%40ss@cache.example:6380", (("cache.example", 6380),),
     "default", "p@ss", True, {}),
    ("redis+cluster://:secret@h:1/0?client_name=fd&ssl_check_hostname=false",
     (("h", 1),), None, "secret", False, {"client_name": "fd", "ssl_check_hostname": False}),
    ("redis+cluster://[::1]:7000", (("::1", 7000),), None, None, False, {}),
])
def test_cluster_urls_parse(url, seeds, username, password, ssl, options) -> None:
    parsed = parse_cluster_url(url)
    assert is_cluster_url(url)
    assert (parsed.seeds, parsed.username, parsed.password, parsed.ssl, parsed.options) == (
        seeds, username, password, ssl, options)


@pytest.mark.parametrize(("url", "says"), [
    ("redis+cluster://h", "host:port"),
    ("redis+cluster://h:0", "host:port"),
    ("redis+cluster://h:7000,", "host:port"),
    ("redis+cluster://h:70000", "host:port"),
    ("redis+cluster://h:7000/3", "only database 0"),
    ("redis+cluster://h:7000?db=2", "unknown option"),
])
def test_bad_cluster_urls_say_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_cluster_url(url)


def test_config_takes_cluster_urls_and_names_a_bad_one_without_its_password() -> None:
    url = "rediss+cluster://u:hunter2@a:1,b:2"
    assert load_settings({**GOOD, "REDIS_URL": url}).redis_url == url
    with pytest.raises(ConfigError) as caught:
        load_settings({**GOOD, "REDIS_URL": "redis+cluster://u:hunter2@a:1,b"})
    assert "REDIS_URL" in str(caught.value) and "hunter2" not in str(caught.value)
    assert store_description(url) == "rediss+cluster://u:***@a:1,b:2"
    assert hide_password("redis+cluster://a:1,b:2") == "redis+cluster://a:1,b:2"
    assert not is_cluster_url("redis://a:1/0")


async def test_a_cluster_store_takes_every_seed_and_tls_from_the_url() -> None:
    from redis.asyncio.connection import SSLConnection

    from frontdesk.store.redis import RedisStore

    store = RedisStore("rediss+cluster://u:pw@127.0.0.1:1,127.0.0.1:2", node_id="x")
    cluster = store._cluster  # what the client was built with (nothing is connected yet)
    assert cluster is not None
    assert cluster.connection_kwargs["connection_class"] is SSLConnection
    assert cluster.connection_kwargs["password"] == "pw"
    assert sorted(cluster.nodes_manager.startup_nodes) == ["127.0.0.1:1", "127.0.0.1:2"]
    assert store._node_options["ssl"] is True  # the per-shard subscriptions use TLS too
    await store._redis.aclose()
