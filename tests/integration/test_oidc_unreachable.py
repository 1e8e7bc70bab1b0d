"""A provider that stops answering (issue 20, contract §12): the provider's node process gets
SIGSTOP, so connections are accepted by the kernel but nothing answers. usher's calls to it
are bounded by OAUTH_TIMEOUT; the browser gets a redirect whose error says the provider could
not be reached (not INVALID_CRED), while /health keeps answering."""
import time

import pytest
import requests

from authlib import INVALID_CRED
from harness import HTTP_TIMEOUT, background, free_port
from oidclib import (error_of, oidc_env, oidc_module, provider, restart_pool_now,  # noqa: F401
                     start, walk)

TIMEOUT = 2


@pytest.fixture
def paused(provider):
    """Call it to SIGSTOP the provider; it gets SIGCONT afterwards whatever happens."""
    try:
        yield provider.pause
    finally:
        provider.resume()


def health_answers_meanwhile(stack, box, n=5):
    """/health answers while the callback is held at the provider."""
    done = 0
    while "result" not in box and "error" not in box and done < n:
        r = stack.get("/health", timeout=HTTP_TIMEOUT)
        assert r.status_code == 200
        done += 1
    return done


def bounded_error(r):
    assert r.status_code in (302, 303, 307), (r.status_code, r.text[:300])
    text = error_of(r)
    assert text and text != INVALID_CRED, r.headers["Location"]
    assert any(w in text.lower() for w in ("reach", "unavailable", "timed out", "timeout",
                                           "connect", "respond")), text
    assert not r.cookies.get("token")


class TestProviderStopped:
    OIDC_ENV = {"OAUTH_TIMEOUT": str(TIMEOUT)}

    def test_callback_while_the_provider_hangs(self, stack, provider, paused):
        provider.set_account("ola", email="ola@example.com")
        w = walk(stack, provider, "ola", call_back=False)
        paused()
        with background(w.session.get, w.callback_url, allow_redirects=False,
                        timeout=HTTP_TIMEOUT) as box:
            time.sleep(0.2)
            assert health_answers_meanwhile(stack, box) >= 1
        assert "error" not in box, box.get("error")
        bounded_error(box["result"])
        assert int(stack.sql("SELECT COUNT(*) FROM `user`")[0][0]) == 0

    def test_login_without_a_cached_discovery(self, stack, provider, paused):
        restart_pool_now(stack)              # nothing cached
        paused()
        s = requests.Session()
        with background(start, stack, s) as box:
            time.sleep(0.2)
            assert health_answers_meanwhile(stack, box) >= 1
        assert "error" not in box, box.get("error")
        bounded_error(box["result"])

    def test_every_worker_but_one_held(self, stack, provider, paused):
        """With all workers but one waiting on the provider, /health still answers."""
        provider.set_account("ola", email="ola@example.com")
        n = stack.max_children() - 1
        walks = [walk(stack, provider, "ola", call_back=False) for _ in range(n)]
        paused()
        boxes = []
        import contextlib
        with contextlib.ExitStack() as es:
            for w in walks:
                boxes.append(es.enter_context(background(
                    w.session.get, w.callback_url, allow_redirects=False, timeout=HTTP_TIMEOUT)))
            time.sleep(0.5)
            r = stack.get("/health", timeout=HTTP_TIMEOUT)
            assert r.status_code == 200
        for box in boxes:
            assert "error" not in box, box.get("error")
            bounded_error(box["result"])


class TestSlowTokenEndpoint:
    OIDC_ENV = {"OAUTH_TIMEOUT": str(TIMEOUT)}

    def test_a_token_answer_that_never_comes_in_time(self, stack, provider):
        provider.set_account("ola", email="ola@example.com")
        w = walk(stack, provider, "ola", call_back=False)
        provider.next_response("token", delay_ms=(TIMEOUT + 4) * 1000,
                               body='{"error":"too late"}')
        r = w.session.get(w.callback_url, allow_redirects=False, timeout=HTTP_TIMEOUT)
        bounded_error(r)


class TestNobodyListening:
    OIDC_ENV = staticmethod(lambda p: {
        "OPENID_PROVIDER_URL": f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration",
        "OAUTH_TIMEOUT": str(TIMEOUT)})

    def test_connection_refused(self, stack, provider):
        restart_pool_now(stack)          # nothing cached from the real provider
        r = start(stack, requests.Session())
        bounded_error(r)
        assert stack.get("/health").status_code == 200
