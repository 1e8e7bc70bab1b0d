"""Fixtures of the integration tests: one private stack (MariaDB, usher-fcgi, nginx) per
test session, started by scripts/stack.sh in a temp dir on a free loopback port and driven
over HTTP with requests. No mocked database. The Stack object is in harness.py.

Fixtures
  stack       the running stack (session scope): URLs, HTTP helpers, pids, the usher log,
              SQL as root, MariaDB restart/pause, signals to the pool
  base_url    "http://127.0.0.1:PORT"
  fresh_pool  for destructive tests: call it with overrides to restart the pool with them;
              afterwards MariaDB is resumed and the default pool is back, whatever the test did

Environment
  USHER_BUILD           build dir with usher-fcgi and usherctl (default REPO/.build)
  USHER_TEST_STATE_DIR  state dir to use (scripts/test.sh passes one and removes it);
                        without it a temp dir is made and removed
  STACK_STANDIN=1       run bench/hello-fcgi in place of usher-fcgi (harness work only)
"""
import os
import shutil
import tempfile

import pytest

from harness import Stack, free_port


@pytest.fixture(scope="session")
def stack():
    given = os.environ.get("USHER_TEST_STATE_DIR")
    state_dir = given or tempfile.mkdtemp(prefix="usher-it-")
    s = Stack(state_dir, free_port())
    try:
        s.start()
        s.wait_workers()
        yield s
    finally:
        s.db_resume()
        s.stop()
        if not given:
            shutil.rmtree(state_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def base_url(stack):
    return stack.base_url


@pytest.fixture
def fresh_pool(stack):
    """For tests that stop, signal or reconfigure the pool or pause MariaDB. Call it with
    overrides to get a pool restarted with them: fresh_pool(pm_max_requests=5). Afterwards
    MariaDB is resumed (and restarted if it is down) and the default pool is back."""
    def restart(**overrides):
        stack.restart_pool(**overrides)
        return stack
    try:
        yield restart
    finally:
        stack.db_resume()
        if not stack.db_answers():
            stack.run("db-start")
        stack.restart_pool()


