"""bot.fetch against a real local HTTP server: redirects, errors, timeouts, size, types, addresses."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from bot.config import Config, ConfigError
from bot.documents.fetch import HTML_TYPES, USER_AGENT, FetchError, fetch, refused_kind
from tests.conftest import make_config
from tests.web_server import LOOPBACK, endless, handler, serve_page, slow

HTML = "<html><head><title>T</title></head><body><p>Hello from the test server.</p></body></html>"


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    return make_config(tmp_path / "store", fetch_allow_networks=LOOPBACK, fetch_timeout=1.0, fetch_max_mb=1.0)


def reason(url: str, config: Config, **kwargs: object) -> str:
    with pytest.raises(FetchError) as caught:
        fetch(url, config, **kwargs)  # type: ignore[arg-type]
    assert caught.value.origin == url
    assert "\n" not in caught.value.reason
    return caught.value.reason


def test_fetches_a_page_with_our_user_agent(web: HTTPServer, cfg: Config) -> None:
    web.expect_request("/a", headers={"User-Agent": USER_AGENT}).respond_with_data(
        HTML, content_type="text/html; charset=ISO-8859-1", headers={"ETag": '"v1"'}
    )
    got = fetch(web.url_for("/a"), cfg)
    assert got.status == 200 and got.body == HTML.encode()
    assert (got.content_type, got.charset, got.etag) == ("text/html", "iso-8859-1", '"v1"')


def test_follows_redirects_and_reports_the_final_url(web: HTTPServer, cfg: Config) -> None:
    serve_page(web, "/final", HTML)
    web.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/middle"})
    web.expect_request("/middle").respond_with_data(
        "", status=302, headers={"Location": web.url_for("/final")}
    )
    got = fetch(web.url_for("/old"), cfg)
    assert got.final_url == web.url_for("/final") and got.url == web.url_for("/old")


def test_redirect_loop_stops(web: HTTPServer, cfg: Config) -> None:
    web.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    assert reason(web.url_for("/loop"), cfg) == "more than 5 redirects"


@pytest.mark.parametrize(
    ("status", "text"), [(404, "HTTP 404 NOT FOUND"), (500, "HTTP 500 INTERNAL SERVER ERROR")]
)
def test_http_errors_are_one_line(web: HTTPServer, cfg: Config, status: int, text: str) -> None:
    web.expect_request("/e").respond_with_data("oops", status=status)
    assert reason(web.url_for("/e"), cfg) == text


def test_a_slow_server_times_out(web: HTTPServer, cfg: Config) -> None:
    web.expect_request("/slow").respond_with_handler(handler(lambda: slow(2.5)))
    t0 = time.monotonic()
    assert reason(web.url_for("/slow"), cfg) == "timed out after 1 s (BOT_FETCH_TIMEOUT)"
    assert time.monotonic() - t0 < 2.0


def test_a_trickling_body_meets_the_whole_response_deadline(web: HTTPServer, cfg: Config) -> None:
    def trickle() -> Response:
        def body():  # type: ignore[no-untyped-def]
            for _ in range(40):
                time.sleep(0.1)
                yield b"<p>x</p>"

        return Response(body(), content_type="text/html")

    web.expect_request("/trickle").respond_with_handler(handler(trickle))
    t0 = time.monotonic()
    assert "timed out" in reason(web.url_for("/trickle"), cfg)
    assert time.monotonic() - t0 < 2.0


def test_a_50_mb_body_is_refused_by_its_declared_length(web: HTTPServer, cfg: Config) -> None:
    web.expect_request("/huge").respond_with_handler(handler(lambda: endless(total_mb=50)))
    t0 = time.monotonic()
    assert (
        reason(web.url_for("/huge"), cfg)
        == "too large (50.0 MB); larger than the 1 MB limit (BOT_FETCH_MAX_MB)"
    )
    assert time.monotonic() - t0 < 1.0


def test_a_50_mb_body_without_length_stops_at_the_limit(web: HTTPServer, cfg: Config) -> None:
    web.expect_request("/huge").respond_with_handler(
        handler(lambda: endless(total_mb=50, declare_length=False))
    )
    t0 = time.monotonic()
    assert reason(web.url_for("/huge"), cfg) == "too large; larger than the 1 MB limit (BOT_FETCH_MAX_MB)"
    assert time.monotonic() - t0 < 1.0  # stopped after ~1 MB, not 50


def test_a_gzip_bomb_is_stopped_at_the_limit(web: HTTPServer, cfg: Config) -> None:
    bomb = gzip.compress(b"<p>" + b"a" * (20 * 2**20))  # 20 MB of text in ~20 KB
    web.expect_request("/bomb").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    assert "too large" in reason(web.url_for("/bomb"), cfg)


def test_gzip_pages_are_decoded(web: HTTPServer, cfg: Config) -> None:
    web.expect_request("/gz").respond_with_data(
        gzip.compress(HTML.encode()), content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    assert fetch(web.url_for("/gz"), cfg).body == HTML.encode()


def test_non_html_content_type_is_refused(web: HTTPServer, cfg: Config) -> None:
    web.expect_request("/doc.pdf").respond_with_data(b"%PDF-1.4", content_type="application/pdf")
    assert reason(web.url_for("/doc.pdf"), cfg) == "not a web page (content type application/pdf)"


def test_conditional_get_returns_not_modified(web: HTTPServer, cfg: Config) -> None:
    web.expect_request("/c", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304, headers={"ETag": '"v1"'}
    )
    got = fetch(web.url_for("/c"), cfg, etag='"v1"')
    assert got.not_modified and got.body == b""


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://10.1.2.3/news", "private"),
        ("http://192.168.0.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://0.0.0.0:8000/", "private"),
    ],
)
def test_private_and_link_local_addresses_are_refused_before_connecting(
    cfg: Config, no_network: list[tuple[object, ...]], url: str, kind: str
) -> None:
    assert reason(url, cfg).startswith("refused: ") and f"is a {kind} address" in reason(url, cfg)
    assert no_network == []  # refused before any connection attempt


def test_loopback_needs_configuring(web: HTTPServer, tmp_path: Path) -> None:
    url = serve_page(web, "/a", HTML)
    strict = make_config(tmp_path / "s")
    assert reason(url, strict) == (
        "refused: 127.0.0.1 is a loopback address (127.0.0.1); add it to BOT_FETCH_ALLOW_NETWORKS to allow it"
    )
    assert "loopback" in reason(url.replace("127.0.0.1", "localhost"), strict)


def test_a_redirect_to_a_private_address_is_refused(web: HTTPServer, cfg: Config) -> None:
    web.expect_request("/r").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/x"}
    )
    assert "link-local address" in reason(web.url_for("/r"), cfg)


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("ftp://example.org/a", "not an http(s) URL: ftp://example.org/a"),
        ("http://user:pw@example.org/", "URLs with a user name or password are not fetched"),
        ("http://no-such-host.invalid/", "cannot resolve host 'no-such-host.invalid'"),
    ],
)
def test_bad_urls(cfg: Config, url: str, text: str) -> None:
    assert reason(url, cfg) == text


def test_nothing_listening_is_a_clear_error(cfg: Config) -> None:
    assert reason("http://127.0.0.1:9/", cfg).startswith("cannot connect to 127.0.0.1")


def test_allowed_networks_setting() -> None:
    import ipaddress

    config = Config.from_env(env={"BOT_FETCH_ALLOW_NETWORKS": "10.0.0.0/8, 127.0.0.1"})
    assert [str(n) for n in config.allowed_networks()] == ["10.0.0.0/8", "127.0.0.1/32"]
    assert refused_kind(ipaddress.ip_address("10.9.9.9"), config.allowed_networks()) == ""
    assert refused_kind(ipaddress.ip_address("192.168.1.1"), config.allowed_networks()) == "private"
    assert refused_kind(ipaddress.ip_address("93.184.216.34"), []) == ""
    with pytest.raises(ConfigError, match="BOT_FETCH_ALLOW_NETWORKS"):
        Config.from_env(env={"BOT_FETCH_ALLOW_NETWORKS": "intranet"})
    assert HTML_TYPES == ("text/html", "application/xhtml+xml")


def test_an_encoding_we_did_not_ask_for_is_refused(web: HTTPServer, cfg: Config) -> None:
    web.expect_request("/br").respond_with_data(
        b"\x1b\x00", content_type="text/html", headers={"Content-Encoding": "br"}
    )
    assert reason(web.url_for("/br"), cfg) == "unsupported content encoding 'br'"


def test_non_ascii_and_spaces_in_paths_are_percent_encoded(web: HTTPServer, cfg: Config) -> None:
    web.expect_request("/новости/a b.html").respond_with_data(HTML, content_type="text/html")
    base = web.url_for("/").rstrip("/")
    assert fetch(f"{base}/новости/a b.html", cfg).body == HTML.encode()
    assert fetch(f"{base}/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/a%20b.html", cfg).body == HTML.encode()


def test_a_non_ascii_host_is_looked_up_in_its_idna_form(cfg: Config) -> None:
    assert reason("http://bücher.invalid/x", cfg) == "cannot resolve host 'xn--bcher-kva.invalid'"
