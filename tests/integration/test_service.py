"""Running usher as a service: what `make install` lays (files and modes, DESTDIR), the
sample usher.conf against the parser, the systemd units (systemd-analyze verify), and socket
activation (systemd-socket-activate hands usher-fcgi its socket as systemd does: fd 3,
LISTEN_FDS, LISTEN_PID). Cheap enough for every run; the Debian package has its own slower
script (scripts/test-package.sh)."""
import os
import re
import signal
import subprocess

import pytest

from harness import BUILD, REPO, alive, wait_for

PREFIX = "/usr/local"     # scripts/test.sh configures with the default prefix


def make(*args, **kw):
    r = subprocess.run(["make", "-s", "-C", str(BUILD), *args], capture_output=True, text=True,
                       timeout=300, **kw)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.fixture(scope="module")
def destdir(tmp_path_factory):
    d = tmp_path_factory.mktemp("destdir")
    make("install", f"DESTDIR={d}")
    return d


def mode(p):
    return oct(p.stat().st_mode & 0o7777)


EXPECTED = {
    # path under DESTDIR: mode
    f"{PREFIX}/sbin/usher-fcgi": "0o755",
    f"{PREFIX}/bin/usherctl": "0o755",
    f"{PREFIX}/etc/usher/usher.conf": "0o640",
    f"{PREFIX}/etc/logrotate.d/usher": "0o644",
    f"{PREFIX}/share/usher/usher.conf": "0o644",
    f"{PREFIX}/share/usher/sql/001_initial.sql": "0o644",
    f"{PREFIX}/share/usher/static/user.png": "0o644",
    f"{PREFIX}/share/man/man8/usher-fcgi.8": "0o644",
    f"{PREFIX}/share/man/man8/usherctl.8": "0o644",
    f"{PREFIX}/share/man/man5/usher.conf.5": "0o644",
    f"{PREFIX}/share/doc/usher/examples/nginx/usher.conf": "0o644",
    f"{PREFIX}/share/doc/usher/examples/nginx/usher-upstream.conf": "0o644",
    f"{PREFIX}/share/doc/usher/examples/apache/apache-usher.conf": "0o644",
    f"{PREFIX}/var/lib/usher": "0o750",
    f"{PREFIX}/var/log/usher": "0o750",
    "/lib/systemd/system/usher-fcgi.service": "0o644",
    "/lib/systemd/system/usher-fcgi.socket": "0o644",
}


def test_make_install_lays_files_with_modes(destdir):
    got = {p: mode(destdir / p.lstrip("/")) for p in EXPECTED if (destdir / p.lstrip("/")).exists()}
    assert got == EXPECTED
    png = (destdir / PREFIX.lstrip("/") / "share/usher/static/user.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    # every SQL migration of the tree is installed
    sql = {p.name for p in (REPO / "sql").glob("*.sql")}
    assert sql == {p.name for p in (destdir / PREFIX.lstrip("/") / "share/usher/sql").iterdir()}


def test_installed_files_name_the_prefix_not_destdir(destdir):
    unit = (destdir / "lib/systemd/system/usher-fcgi.service").read_text()
    assert f"ExecStart={PREFIX}/sbin/usher-fcgi -c {PREFIX}/etc/usher/usher.conf" in unit
    conf = (destdir / PREFIX.lstrip("/") / "etc/usher/usher.conf").read_text()
    assert f"data_dir = {PREFIX}/var/lib/usher" in conf
    for p in destdir.rglob("*"):
        if p.is_file() and p.suffix != ".png" and p.parent.name not in ("bin", "sbin"):
            text = p.read_text(errors="replace")
            assert str(destdir) not in text, p
            assert not re.search(r"@[a-z]+dir@", text), p       # no @var@ left


def test_install_keeps_an_edited_config_and_uninstall_removes_only_what_it_laid(tmp_path):
    d = tmp_path / "root"
    make("install", f"DESTDIR={d}")
    conf = d / PREFIX.lstrip("/") / "etc/usher/usher.conf"
    conf.write_text(conf.read_text() + "; edited\n")
    r = make("install", f"DESTDIR={d}")
    assert "keeping" in r.stdout and conf.read_text().endswith("; edited\n")
    make("uninstall", f"DESTDIR={d}")
    left = sorted(str(p.relative_to(d)) for p in d.rglob("*") if not p.is_dir())
    assert left == [f"{PREFIX.lstrip('/')}/etc/usher/usher.conf"]
    # unedited, it goes too
    conf.unlink()
    make("install", f"DESTDIR={d}")
    make("uninstall", f"DESTDIR={d}")
    assert [p for p in d.rglob("*") if not p.is_dir()] == []


def config_keys():
    src = (REPO / "src/config.c").read_text()
    table = src[src.index("static const struct key_def keys[]"):]
    table = table[:table.index("};")]
    return re.findall(r'\{\s*"([a-z_.]+)"', table)


def test_sample_config_shows_every_key_and_parses(destdir, tmp_path):
    sample = (destdir / PREFIX.lstrip("/") / "share/usher/usher.conf").read_text()
    shown = set(re.findall(r"^;?([a-z_.]+) =", sample, re.M))
    keys = config_keys()
    assert len(keys) > 20
    assert set(keys) - shown == set(), "keys missing from conf/usher.conf.in"
    assert shown - set(keys) == set(), "keys in the sample that the parser does not know"
    fcgi = destdir / PREFIX.lstrip("/") / "sbin/usher-fcgi"
    env = {k: v for k, v in os.environ.items() if not k.startswith("USHER_")}
    # as shipped
    (tmp_path / "as-shipped.conf").write_text(sample)
    r = subprocess.run([str(fcgi), "-t", "-c", str(tmp_path / "as-shipped.conf")],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0, r.stderr
    # every default uncommented (but the password file, which must exist) parses too
    uncommented = re.sub(r"^;(?!db\.password_file)([a-z_.]+ =)", r"\1", sample, flags=re.M)
    (tmp_path / "all.conf").write_text(uncommented)
    r = subprocess.run([str(fcgi), "-t", "-c", str(tmp_path / "all.conf")],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0, r.stderr


DOCUMENTATION = re.compile(r"^Documentation=(.*)\n", re.M)


def test_systemd_units_verify(destdir, tmp_path):
    """systemd-analyze verify on the installed units, with ExecStart pointing into DESTDIR
    (verify checks that the binary exists). Their Documentation= lines are checked apart:
    verify runs `man` for each man: entry, which tests the machine's man-db and its MANPATH
    rather than the units (a fresh Debian 12 has no `man`, and usher needs none), so the
    copy verified here has no such lines, and every page they name must be one that
    `make install` put in DESTDIR."""
    units = destdir / "lib/systemd/system"
    mandir = destdir / PREFIX.lstrip("/") / "share/man"
    named = []
    for name in ("usher-fcgi.service", "usher-fcgi.socket"):
        text = (units / name).read_text().replace(f"={PREFIX}/sbin/", f"={destdir}{PREFIX}/sbin/")
        named += [(name, ref) for line in DOCUMENTATION.findall(text) for ref in line.split()]
        (tmp_path / name).write_text(DOCUMENTATION.sub("", text))
    assert {unit for unit, _ in named} == {"usher-fcgi.service", "usher-fcgi.socket"}, named
    for unit, ref in named:
        m = re.fullmatch(r"man:([\w.-]+)\((\d)\)", ref)
        assert m, f"{unit}: Documentation={ref} is not a man page reference"
        page = mandir / f"man{m[2]}" / f"{m[1]}.{m[2]}"
        assert page.is_file(), f"{unit}: Documentation={ref}, but make install has no {page}"
    r = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "usher-fcgi.socket"),
                        str(tmp_path / "usher-fcgi.service")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr


def fcgi_get(sock, path):
    """One FastCGI GET straight to the pool's socket (cgi-fcgi from libfcgi-bin)."""
    env = dict(os.environ, REQUEST_METHOD="GET", REQUEST_URI=path, SCRIPT_NAME=path,
               QUERY_STRING="", SERVER_PROTOCOL="HTTP/1.1")
    r = subprocess.run(["cgi-fcgi", "-bind", "-connect", str(sock)], capture_output=True,
                       env=env, timeout=30)
    return r.stdout.decode("utf-8", "replace")


def test_socket_activation(stack, tmp_path):
    """systemd-socket-activate opens the socket and execs usher-fcgi on the first
    connection with LISTEN_FDS=1, LISTEN_PID=its pid, the socket on fd 3. The pool must
    serve on it, and the passed socket wins over `listen` in the file (the stack's)."""
    sock = tmp_path / "activated.sock"
    log = tmp_path / "usher.log"
    # Like systemd, systemd-socket-activate passes only the variables it is told to (-E).
    proc = subprocess.Popen(["systemd-socket-activate", "-l", str(sock),
                             "-E", f"USHER_ERROR_LOG={log}", "-E", "USHER_PM_MAX_CHILDREN=2",
                             str(BUILD / "usher-fcgi"), "-c", str(stack.conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(sock.exists, 10, what="the activation socket")
        out = fcgi_get(sock, "/health/db")        # the first connection starts the pool
        assert out.startswith("Status: 200"), out
        assert '{"status":true}' in out.replace(" ", ""), out
        text = log.read_text()
        assert "listening on the socket passed by systemd (fd 3)" in text
        assert f"listen = {stack.socket} is ignored" in text
        assert alive(proc.pid)
        for _ in range(5):
            assert "pong" in fcgi_get(sock, "/ping")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0, proc.stderr.read().decode(errors="replace")
    # the stack's pool, whose socket the ignored `listen` names, was left alone
    assert stack.get("/health").status_code == 200


def test_socket_activation_refuses_what_is_not_one_listening_socket(tmp_path):
    """LISTEN_FDS for us but no listening socket on fd 3: a clear refusal, not a hang."""
    conf = tmp_path / "u.conf"
    conf.write_text(f"data_dir = {tmp_path}\nsecret_key = {'x' * 40}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("USHER_")}
    # exec through sh so LISTEN_PID can be the pid usher-fcgi will have
    r = subprocess.run(["sh", "-c", f'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" -c "$1" 3</dev/null',
                        str(BUILD / "usher-fcgi"), str(conf)],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 1
    assert "systemd passed fd 3, which is not a listening stream socket" in r.stderr
    r = subprocess.run(["sh", "-c", f'LISTEN_PID=$$ LISTEN_FDS=2 exec "$0" -c "$1"',
                        str(BUILD / "usher-fcgi"), str(conf)],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 1 and "systemd passed 2 sockets" in r.stderr
