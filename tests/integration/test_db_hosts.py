"""db.host as a list of hosts (several database servers, doc/galera.md): the configuration
check of usher-fcgi -t and usherctl check-config accepts a well-formed list and refuses a
malformed one with the reason; a list whose first host is down still reaches the server."""
import os
import socket
import subprocess
import time

from harness import BUILD


def env_without_usher():
    return {k: v for k, v in os.environ.items() if not k.startswith("USHER_")}


def check(tmp_path, host, tool):
    conf = tmp_path / "hosts.conf"
    conf.write_text(f"db.host = {host}\ndb.user = usher\ndb.name = usher\n")
    cmd = ([str(BUILD / "usher-fcgi"), "-t", "-c", str(conf)] if tool == "fcgi"
           else [str(BUILD / "usherctl"), "-c", str(conf), "check-config", "-n"])
    return subprocess.run(cmd, capture_output=True, text=True, env=env_without_usher(), timeout=30)


def test_a_host_list_passes_the_configuration_check(tmp_path):
    for tool in ("fcgi", "ctl"):
        for host in ("db1", "db1:3307", "10.0.0.1:3306,10.0.0.2:3306,10.0.0.3:3306",
                     "[::1]:3306, db2"):
            r = check(tmp_path, host, tool)
            assert r.returncode == 0, (tool, host, r.stderr)


def test_a_malformed_host_list_is_refused_with_the_reason(tmp_path):
    for tool in ("fcgi", "ctl"):
        for host in ("db1,,db2", "db1:0", "db1:70000", "db1:x", "[::1", "db1, "):
            r = check(tmp_path, host, tool)
            assert r.returncode != 0, (tool, host)
            assert "db.host" in r.stderr and ("port" in r.stderr or "list" in r.stderr
                                               or "IPv6" in r.stderr), r.stderr


def test_a_dead_first_host_is_passed_over(stack, tmp_path):
    """usherctl with db.host = a closed port, then the real server (over a TCP relay to the
    private stack's socket, which has no TCP): the command works."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        live = s.getsockname()[1]
    relay = subprocess.Popen(["socat", f"TCP-LISTEN:{live},bind=127.0.0.1,reuseaddr,fork",
                              f"UNIX-CONNECT:{stack.db_socket}"])
    try:
        conf = tmp_path / "list.conf"
        text = stack.conf.read_text()
        text = "\n".join(l for l in text.splitlines() if not l.startswith("db.socket"))
        conf.write_text(text + f"\ndb.host = 127.0.0.1:{dead},127.0.0.1:{live}\n")
        for _ in range(50):
            if subprocess.run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{live}"],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        r = subprocess.run([str(BUILD / "usherctl"), "-c", str(conf), "check-config"],
                           capture_output=True, text=True, env=env_without_usher(), timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "reachable" in r.stdout
    finally:
        relay.terminate()
        relay.wait()
