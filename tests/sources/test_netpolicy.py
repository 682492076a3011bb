"""The address policy on its own: judged without connecting anywhere."""

import pytest
from yarl import URL

from sources.netpolicy import address_problem, literal_problem, url_problem


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.10.3", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:7f00:1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("::ffff:192.168.1.1", "private"),
        ("fd00::1", "unique local"),
        ("fd00:ec2::254", "unique local"),
        ("169.254.169.254", "metadata"),
        ("::ffff:169.254.169.254", "metadata"),
        ("168.63.129.16", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.100.100.200", "carrier-grade NAT"),
        ("64:ff9b::7f00:1", "NAT64"),
        ("64:ff9b:1::1", "NAT64"),
        ("2002:7f00:1::1", "6to4"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "documentation"),
        ("2001:db8::1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("::127.0.0.1", "IPv4-compatible"),
        ("fec0::1", "site-local"),
        ("not-an-ip", "not an IP address"),
    ],
)
def test_non_public_addresses_are_refused_with_a_reason(address, reason):
    problem = address_problem(address)
    assert problem is not None and reason in problem


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert address_problem(address) is None


def test_allowed_networks_exempt_only_what_they_list(settings):
    settings.SOURCE_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32", "10.9.0.0/16"]
    assert address_problem("127.0.0.1") is None
    assert address_problem("::ffff:127.0.0.1") is None  # the same address, mapped
    assert address_problem("10.9.8.7") is None
    assert "loopback" in address_problem("127.0.0.2")
    assert "loopback" in address_problem("::1")
    assert "private" in address_problem("10.10.0.1")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/file", "only http and https"),
        ("http://user:secret@example.org/", "credentials"),
        ("http://user@example.org/", "credentials"),
        ("http://example.org:8080/", "port 8080 is not allowed"),
        ("https://example.org:22/", "port 22 is not allowed"),
    ],
)
def test_urls_are_refused_before_any_lookup(url, reason):
    assert reason in url_problem(URL(url))


@pytest.mark.parametrize(
    "url", ["http://example.org/", "https://example.org/a?b=c", "https://example.org:443/"]
)
def test_ordinary_urls_pass(url):
    assert url_problem(URL(url)) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
        ("http://2130706433/", "2130706433: 127.0.0.1 is a loopback address"),
        ("http://0x7f000001/", "0x7f000001: 127.0.0.1 is a loopback address"),
        ("http://0177.0.0.1/", "0177.0.0.1: 127.0.0.1 is a loopback address"),
        ("http://127.1/", "127.1: 127.0.0.1 is a loopback address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://[::ffff:169.254.169.254]/", "169.254.169.254 is the cloud metadata service"),
        ("http://exa%20mple.org/", "is not a host name"),
    ],
)
def test_ip_address_hosts_are_judged_without_a_lookup(url, reason):
    assert reason in url_problem(URL(url))


def test_legacy_spellings_are_refused_even_for_an_allowed_address(settings):
    settings.SOURCE_FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert literal_problem("127.0.0.1") is None
    assert literal_problem("2130706433") == "2130706433: 127.0.0.1 spelled the legacy way is not fetched"
    assert literal_problem("example.org") is None  # a name: judged by what it resolves to
