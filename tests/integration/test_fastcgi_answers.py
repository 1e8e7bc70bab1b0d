"""How a worker hands its answer to the web server (src/worker.c), spoken to in FastCGI
directly: an answer larger than libfcgi's 8 KB stream goes out as records of at most 64 KB,
whole, on a unix socket and on TCP; on a unix socket the worker closes the connection as
soon as the answer is written (it does not wait for the web server to close first, as
libfcgi's lingering close does, which TCP keeps), so it is free for the next request at
once; and input the request never read does not cut its answer short.
"""
import json
import os
import socket
import struct
import subprocess
import uuid

import pytest

from authlib import expect, first_admin, sql_quote, wipe_db
from harness import BUILD, free_port, wait_for
from userlib import seed_users

BEGIN, END, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6


def record(kind, body=b"", request_id=1):
    return struct.pack(">BBHHBB", 1, kind, request_id, len(body), 0, 0) + body


def pair(name, value):
    def length(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    name, value = name.encode(), value.encode()
    return length(len(name)) + length(len(value)) + name + value


def send_request(conn, path, headers=None, stdin=b"", end_stdin=True):
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": path, "SCRIPT_NAME": path,
              "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_LENGTH": "0",
              "REMOTE_ADDR": "127.0.0.1"}
    params.update(headers or {})
    body = b"".join(pair(k, v) for k, v in params.items())
    out = record(BEGIN, struct.pack(">HB5x", 1, 0))   # responder, connection not kept
    out += record(PARAMS, body) + record(PARAMS)
    for at in range(0, len(stdin), 65535):
        out += record(STDIN, stdin[at:at + 65535])
    conn.sendall(out + (record(STDIN) if end_stdin else b""))


def read_answer(conn):
    """The records until END_REQUEST: (stdout bytes, stdout record lengths), then whether
    the worker closed the connection after it (EOF, with our end still open)."""
    buf, stdout, lengths = b"", b"", []
    while True:
        while len(buf) < 8:
            chunk = conn.recv(65536)
            assert chunk, "the connection closed before END_REQUEST"
            buf += chunk
        _, kind, _, n, pad, _ = struct.unpack(">BBHHBB", buf[:8])
        while len(buf) < 8 + n + pad:
            chunk = conn.recv(65536)
            assert chunk, "the connection closed inside a record"
            buf += chunk
        body, buf = buf[8:8 + n], buf[8 + n + pad:]
        if kind == STDOUT and n:
            stdout += body
            lengths.append(n)
        if kind == END:
            break
    conn.settimeout(10)
    closed = buf == b"" and conn.recv(1) == b""
    return stdout, lengths, closed


def split_cgi(stdout):
    head, _, body = stdout.partition(b"\r\n\r\n")
    return head.decode(), body


@pytest.fixture(scope="module")
def big_user(stack):
    wipe_db(stack)
    admin = first_admin(stack)
    row = seed_users(stack, [{"name": "Big Row", "email": f"big-{uuid.uuid4().hex}@example.org",
                              "info": {}}])[0]
    stack.sql("UPDATE `user` SET info = JSON_OBJECT('notes', REPEAT('x', 1500000)) "
              f"WHERE id = {sql_quote(row['id'])}")
    want = expect(admin.get(f"/api/v1/users/{row['id']}"), 200)
    return admin, row["id"], want


def ask_unix(stack, path, headers=None, stdin=b""):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(str(stack.socket))
        send_request(conn, path, headers, stdin)
        return read_answer(conn)


def test_a_large_answer_in_64_kb_records_on_the_unix_socket(stack, big_user):
    admin, uid, want = big_user
    stdout, lengths, closed = ask_unix(stack, f"/api/v1/users/{uid}",
                                       {"HTTP_AUTHORIZATION": f"Bearer {admin.token}"})
    head, body = split_cgi(stdout)
    assert head.startswith("Status: 200")
    assert json.loads(body) == want
    assert len(body) > 1_500_000 and max(lengths) <= 65535 and len(lengths) < 40, lengths
    assert closed


def test_a_worker_is_free_as_soon_as_its_answer_is_written(stack):
    """Our end stays open after the answer: the worker has closed its own and is idle (with
    libfcgi's lingering close it would sit in the request until we close, up to 2 s)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(str(stack.socket))
        send_request(conn, "/ping")
        stdout, _, closed = read_answer(conn)
        assert b"pong" in stdout and closed
        procs = expect(stack.get("/status?json&full"), 200)["processes"]
        busy = [p for p in procs if p["state"] != "Idle" and p["request uri"] != "/status"]
        assert not busy, procs


def test_the_end_of_stdin_sent_after_the_answer(stack):
    """Apache's mod_proxy_fcgi writes the params, then the empty stdin record on its own: a
    worker that answered before that record came must not close under the web server's
    write (a broken pipe there is a 503 from Apache)."""
    for _ in range(6):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(str(stack.socket))
            send_request(conn, "/ping", end_stdin=False)
            head = conn.recv(8)   # the answer has begun: /ping reads no input
            assert head and head[1] == STDOUT
            conn.sendall(record(STDIN))   # would raise BrokenPipeError after a close
            rest = b""
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                rest += chunk
            assert b"pong" in head + rest and record(END, struct.pack(">IB3x", 0, 0)) in rest


def test_input_left_unread_does_not_cut_the_answer(stack, big_user):
    admin, uid, want = big_user
    junk = os.urandom(100_000)   # a body on a GET the request does not read
    stdout, _, closed = ask_unix(stack, f"/api/v1/users/{uid}",
                                 {"HTTP_AUTHORIZATION": f"Bearer {admin.token}"}, junk)
    head, body = split_cgi(stdout)
    assert head.startswith("Status: 200") and len(body) > 1_500_000 and closed
    assert stack.get("/health").status_code == 200


def test_a_tcp_listener_answers_whole(stack, big_user, tmp_path):
    admin, uid, want = big_user
    port = free_port()
    log = tmp_path / "usher.log"
    env = dict(os.environ, USHER_LISTEN=f"127.0.0.1:{port}", USHER_ERROR_LOG=str(log),
               USHER_PM_MAX_CHILDREN="2")
    proc = subprocess.Popen([str(BUILD / "usher-fcgi"), "-c", str(stack.conf)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: log.exists() and "listening on" in log.read_text(), 10,
                 what="the TCP pool")
        for _ in range(4):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
                send_request(conn, f"/api/v1/users/{uid}",
                             {"HTTP_AUTHORIZATION": f"Bearer {admin.token}"})
                stdout, lengths, closed = read_answer(conn)
            head, body = split_cgi(stdout)
            assert head.startswith("Status: 200") and json.loads(body) == want
            assert max(lengths) <= 65535 and closed
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            send_request(conn, "/ping")
            assert b"pong" in read_answer(conn)[0]
    finally:
        proc.terminate()
        proc.wait(15)
