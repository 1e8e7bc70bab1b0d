"""Fixtures of the Galera tests: one harness (scripts/galera.sh) for the session.

GALERA_DIR names the harness's state dir (default: a new temporary one, stopped at the end;
an existing running one is reused and left running). USHER_BUILD: the build to run."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from galeralib import Cluster, REPO

GALERA_SH = REPO / "scripts" / "galera.sh"


@pytest.fixture(scope="session")
def cluster():
    given = os.environ.get("GALERA_DIR")
    d = Path(given) if given else Path(tempfile.mkdtemp(prefix="usher-galera-"))
    port = int(os.environ.get("GALERA_PORT", "8090"))
    c = Cluster(d, port)
    c.run("start", str(d), str(port))
    yield c
    if not given:
        c.run("stop", str(d), check=False)
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def fresh(cluster):
    """An empty, migrated database (no account yet), every node Synced, the pools restarted."""
    cluster.ensure_all_nodes()
    cluster.run("reset", str(cluster.dir))
    return cluster
