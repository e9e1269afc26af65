"""Whose address a request comes from, behind trusted proxies or not (table-driven)."""

from __future__ import annotations

import pytest

from frontdesk.core.client_address import client_address, parse_networks

PROXIES = ("10.0.0.0/8", "::1")


@pytest.mark.parametrize("peer,forwarded,trusted,expected", [
    ("203.0.113.9", None, (), "203.0.113.9"),
    ("203.0.113.9", "198.51.100.1", (), "203.0.113.9"),            # no proxy trusted
    ("203.0.113.9", "198.51.100.1", PROXIES, "203.0.113.9"),       # the peer is no proxy
    ("10.1.2.3", "198.51.100.1", PROXIES, "198.51.100.1"),
    ("10.1.2.3", "6.6.6.6, 198.51.100.1", PROXIES, "198.51.100.1"),  # a forged first hop
    ("10.1.2.3", "198.51.100.1, 10.9.9.9", PROXIES, "198.51.100.1"),  # two proxies
    ("10.1.2.3", "10.4.4.4", PROXIES, "10.4.4.4"),                 # only proxies: the first
    ("10.1.2.3", None, PROXIES, "10.1.2.3"),
    ("::1", "2001:db8::7", PROXIES, "2001:db8::7"),
    ("::ffff:10.0.0.5", "198.51.100.1", PROXIES, "198.51.100.1"),  # IPv4-mapped peer
    (None, "198.51.100.1", PROXIES, "unknown"),
])
def test_client_address(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted) == expected


def test_parse_networks():
    assert [str(n) for n in parse_networks(" 10.0.0.0/8, ::1 ,,192.168.1.7")] == [
        "10.0.0.0/8", "::1/128", "192.168.1.7/32"]
    with pytest.raises(ValueError, match="'nope'"):
        parse_networks("10.0.0.0/8,nope")
