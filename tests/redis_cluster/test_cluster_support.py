"""The test cluster itself: six real nodes, one account's keys in one slot, failover works."""

from __future__ import annotations

import time

import pytest
import redis
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster

from frontdesk.store import keys
from tests.support.redis_cluster import NODE_TIMEOUT_MS, RedisCluster

pytestmark = pytest.mark.redis


def _slot(cluster: RedisCluster, key: str) -> int:
    """The slot as the cluster itself computes it."""
    with redis.Redis(port=cluster.running()[0].port) as client:
        return int(client.cluster("keyslot", key))


async def _client(cluster: RedisCluster) -> AsyncRedisCluster:
    client = AsyncRedisCluster(startup_nodes=[ClusterNode("127.0.0.1", port)
                                              for port in cluster.ports],
                               socket_timeout=1, socket_connect_timeout=1)
    await client.initialize()
    return client


def test_three_masters_each_with_a_replica_serve_every_slot(redis_cluster, redis_cluster_url):
    masters = redis_cluster.masters()
    assert len(masters) == 3 and redis_cluster.is_ok()
    assert all(len(redis_cluster.replicas_of(m)) == 1 for m in masters)
    assert redis_cluster_url.startswith("redis+cluster://")
    assert redis_cluster_url.count(",") == 5  # every node is a seed


def test_every_key_of_an_account_shares_its_slot_and_accounts_spread(redis_cluster):
    ak = keys.AccountKeys("acme")
    names = [ak.meta, ak.widgets, ak.status, ak.live, ak.queue, ak.node("n1#0"),
             ak.published_stamp, *ak.routing_keys()]
    assert {_slot(redis_cluster, name) for name in names} == {_slot(redis_cluster, ak.meta)}
    owners = {redis_cluster.master_of_key(keys.AccountKeys(f"a{i}").meta).port
              for i in range(30)}
    assert len(owners) == 3  # 30 accounts land on all three masters


async def test_scripts_and_sharded_pubsub_through_the_asyncio_cluster_client(
        redis_cluster, redis_cluster_url):
    client = await _client(redis_cluster)
    pubsub = client.pubsub()
    try:
        incr = client.register_script("return redis.call('INCR', KEYS[1])")
        for account in ("acme", "globex", "initech"):
            assert await incr(keys=[keys.AccountKeys(account).meta]) == 1
        channel = "frontdesk:{acme}:events"
        await pubsub.ssubscribe(channel)
        assert await client.spublish(channel, b"hello") == 1
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            message = await pubsub.get_sharded_message(ignore_subscribe_messages=True,
                                                       timeout=0.1)
            if message is not None:
                assert message["data"] == b"hello"
                break
        else:
            raise AssertionError("the sharded message never arrived")
    finally:
        await pubsub.aclose()
        await client.aclose()


def test_a_killed_master_is_replaced_by_its_replica_and_reset_restores_six_nodes(
        redis_cluster, redis_cluster_url):
    key = keys.AccountKeys("acme").meta
    master = redis_cluster.master_of_key(key)
    [replica] = redis_cluster.replicas_of(master)
    with redis.Redis(port=master.port) as client:
        client.set(key, "kept")
        assert client.wait(1, 1000) == 1  # the replica has it before the crash
    killed = time.monotonic()
    redis_cluster.kill(master)
    while redis_cluster.master_of_key_or_none(key) is not replica:
        assert time.monotonic() - killed < 10 * NODE_TIMEOUT_MS / 1000, "no failover"
        time.sleep(0.05)
    took = time.monotonic() - killed
    with redis.Redis(port=replica.port) as client:
        assert client.get(key) == b"kept"
    print(f"failover took {took:.2f} s (cluster-node-timeout {NODE_TIMEOUT_MS} ms)")
    redis_cluster.reset()
    assert len(redis_cluster.running()) == 6 and len(redis_cluster.masters()) == 3
    assert redis_cluster.replicas_of(replica) == [master]  # the old master came back under it
    with redis.Redis(port=replica.port) as client:
        assert client.dbsize() == 0
