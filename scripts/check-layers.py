#!/usr/bin/env python3
"""Checks every `#include "usher/..."` of src/ and include/usher/ against the layer table of
src/README.md (the table is the one source: what it says is what is checked).

    scripts/check-layers.py [--quiet] [REPO]

The table's rows are | layer | files (globs under src/) | headers (include/usher/, without
.h) | may include (layers, "-" for none) | ... |; a file may include headers of its own layer
and of the layers its row names. Also refused:
  - a .c file under src/ or a header under include/usher/ in no row (or in two);
  - a header the table names that does not exist;
  - two modules that include each other (a loop of mutual calls). A module is a header and
    the .c files whose first usher include it is (their own header, by the convention of
    src/: config.h, the file's own header, then the rest);
  - a config key written as a string literal in src/db/ (keys are named once, in
    include/usher/settings_store.h).
Each failure names the file, the include and the rule. The last line is
"layers: N include edges checked, N failures"; the exit status is 1 on any failure.
"""
import fnmatch
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"usher/([A-Za-z0-9_]+)\.h"')
CONFIG_KEY = re.compile(r"'(?:ui|auth|usher|ldap|oauth|webui)\.[a-z_.]+'")


def parse_table(readme):
    """[(layer, [file globs], [header stems], [allowed layers])] from the layer table."""
    rows, in_table = [], False
    with open(readme, encoding="utf-8") as f:
        for line in f:
            if line.startswith("| layer |"):
                in_table = True
                continue
            if not in_table:
                continue
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if set(cells[0]) <= set("-: "):
                continue
            words = lambda cell: cell.replace("`", " ").replace(",", " ").split()
            allowed = [w for w in words(cells[3]) if w not in ("-", "—")]
            rows.append((cells[0], words(cells[1]), words(cells[2]), allowed))
    return rows


def includes(path):
    """([(line, stem)], [own stem]): the usher includes, and the first of them when no
    system header comes before it (main.c and usherctl.c have no header of their own)."""
    out, own = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                out.append((n, m.group(1)))
                if own is None:
                    own = [m.group(1)]
            elif own is None and re.match(r"\s*#\s*include\s*<", line):
                own = []
    return out, own or []


def main(argv):
    quiet = "--quiet" in argv
    args = [a for a in argv if a != "--quiet"]
    repo = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), ".."))
    readme = os.path.join(repo, "src", "README.md")
    rows = parse_table(readme)
    failures = []
    fail = failures.append
    if not rows:
        fail("src/README.md: no layer table (a line starting with '| layer |') found")
    layers = {r[0] for r in rows}
    allowed = {r[0]: set(r[3]) | {r[0]} for r in rows}
    for layer, _, _, may in rows:
        for other in may:
            if other not in layers:
                fail(f"src/README.md: layer {layer} may include {other}, which is no layer")

    header_layer = {}
    for layer, _, stems, _ in rows:
        for s in stems:
            if s in header_layer:
                fail(f"src/README.md: header {s}.h is in two rows ({header_layer[s]}, {layer})")
            header_layer[s] = layer
            if not os.path.exists(os.path.join(repo, "include", "usher", s + ".h")):
                fail(f"src/README.md: the {layer} row names include/usher/{s}.h, which does "
                     "not exist")

    files = {}   # repo-relative path -> layer
    src = os.path.join(repo, "src")
    for d, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith(".c"):
                continue
            rel = os.path.relpath(os.path.join(d, name), src)
            hits = [r[0] for r in rows if any(fnmatch.fnmatch(rel, g) for g in r[1])]
            if len(hits) != 1:
                fail(f"src/{rel}: in {'no row' if not hits else 'two rows'} of the layer table "
                     "(src/README.md)")
                continue
            files["src/" + rel] = hits[0]
    inc = os.path.join(repo, "include", "usher")
    for name in sorted(os.listdir(inc)):
        if name.endswith(".h"):
            stem = name[:-2]
            if stem not in header_layer:
                fail(f"include/usher/{name}: in no row of the layer table (src/README.md)")
                continue
            files["include/usher/" + name] = header_layer[stem]

    parsed = {p: includes(os.path.join(repo, p)) for p in files}
    root = {}   # header stem -> the module it belongs to (the headers one .c implements)

    def find(s):
        while root.get(s, s) != s:
            s = root[s]
        return s
    for path, (_, own) in parsed.items():
        if path.endswith(".c"):
            for s in own[1:]:
                root[find(s)] = find(own[0])

    edges = 0
    module_edges = {}   # (from module, to module) -> first "file:line"
    for path in sorted(files):
        layer = files[path]
        incs, own = parsed[path]
        if path.endswith(".h"):
            module = find(os.path.basename(path)[:-2])
        else:
            module = find(own[0]) if own else None
        for line, stem in incs:
            edges += 1
            where = f"{path}:{line}"
            target = header_layer.get(stem)
            if target is None:
                fail(f"{where}: includes usher/{stem}.h, which is in no row of the layer table")
                continue
            if target not in allowed[layer]:
                may = ", ".join(sorted(allowed[layer] - {layer})) or "nothing below it"
                fail(f"{where}: includes usher/{stem}.h (layer {target}); rule: layer {layer} "
                     f"may include only its own layer and {may} (src/README.md)")
            if module and find(stem) != module:
                module_edges.setdefault((module, find(stem)), where)
    for (a, b), where in sorted(module_edges.items()):
        if a < b and (b, a) in module_edges:
            fail(f"{where}: module {a} includes module {b}, and {module_edges[(b, a)]}: "
                 f"{b} includes {a}; rule: no loop of mutual calls between two modules")

    dbdir = os.path.join(src, "db")
    for name in sorted(os.listdir(dbdir)):
        if not name.endswith(".c"):
            continue
        with open(os.path.join(dbdir, name), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                m = CONFIG_KEY.search(line)
                if m:
                    fail(f"src/db/{name}:{n}: the config key {m.group(0)} as a literal; rule: "
                         "config keys are named once (include/usher/settings_store.h)")

    for msg in failures:
        print("FAIL: " + msg)
    if not quiet or failures:
        print(f"layers: {edges} include edges checked in {len(files)} files, "
              f"{len(module_edges)} module edges, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
