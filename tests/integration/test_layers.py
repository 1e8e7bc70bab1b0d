"""scripts/check-layers.py: the tree as it is passes, and each kind of mistake a newcomer can
make fails with the file, the include and the rule (on a scratch copy of src/ and include/,
never on the tree itself). Needs no stack."""
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(REPO, "scripts", "check-layers.py")


def run(root):
    r = subprocess.run([sys.executable, SCRIPT, root], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def scratch(tmp_path):
    root = tmp_path / "repo"
    for d in ("src", "include"):
        shutil.copytree(os.path.join(REPO, d), root / d)
    return root


def add_line(path, after, line):
    text = path.read_text()
    assert after in text, (path, after)
    path.write_text(text.replace(after, after + "\n" + line, 1))


def test_the_tree_passes_and_counts_its_edges():
    rc, out = run(REPO)
    assert rc == 0, out
    m = re.search(r"layers: (\d+) include edges checked in (\d+) files", out)
    assert m and int(m.group(1)) > 300 and int(m.group(2)) > 100, out


def test_an_include_upwards_names_file_include_and_rule(tmp_path):
    root = scratch(tmp_path)
    add_line(root / "src/model/user.c", '#include "usher/user.h"', '#include "usher/request.h"')
    rc, out = run(str(root))
    assert rc == 1
    line = next(x for x in out.splitlines() if "src/model/user.c" in x)
    assert "usher/request.h" in line and "layer http" in line and "layer model may include" in line


def test_a_loop_between_two_modules_fails(tmp_path):
    root = scratch(tmp_path)
    # db/users.c is below nothing of db/groups.c; make groups.c include users and back
    add_line(root / "src/db/users.c", '#include "usher/db_rows.h"', '#include "usher/db_groups.h"')
    add_line(root / "src/db/groups.c", '#include "usher/db_rows.h"', '#include "usher/db_users.h"')
    rc, out = run(str(root))
    assert rc == 1
    assert re.search(r"module db_\w+ includes module db_\w+.*no loop of mutual calls", out), out


def test_a_config_key_literal_in_db_fails(tmp_path):
    root = scratch(tmp_path)
    add_line(root / "src/db/users.c", '#include "usher/db_rows.h"',
             "static const char k[] = \"SELECT value FROM config WHERE `key` = 'ui.enable_signup'\";")
    rc, out = run(str(root))
    assert rc == 1 and "src/db/users.c" in out and "'ui.enable_signup'" in out, out


def test_a_file_or_header_outside_the_table_fails(tmp_path):
    root = scratch(tmp_path)
    (root / "src/newthing.c").write_text('#include "config.h"\n')
    (root / "include/usher/newthing.h").write_text("#pragma once\n")
    rc, out = run(str(root))
    assert rc == 1
    assert "src/newthing.c: in no row" in out and "include/usher/newthing.h: in no row" in out
