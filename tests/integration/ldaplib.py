"""A private OpenLDAP server for the LDAP sign-in tests (test_ldap.py): Debian's slapd from a
temp dir with its own slapd.conf (mdb backend, memberof overlay, `allow bind_anon_dn` so an
empty-password bind WOULD succeed), an ACL that lets only the application account (and each
person themselves) read people, certificates from a throwaway CA made with openssl (SAN
IP:127.0.0.1) plus a second CA whose certificates must be refused. People are loaded with
slapadd, groups with ldapadd while slapd runs (so memberOf is kept). slapd runs with
`-d 256` (the operation log, which the tests read) and is stopped by its pid. The client
tools run with LDAPNOINIT=1, so /etc/ldap/ldap.conf and ~/.ldaprc do not interfere; the
system slapd is never touched.
"""
import os
import signal
import socket
import subprocess
import tempfile
import shutil
import time

import pytest

from authlib import AUTHS, ensure_pool_env, expect, first_admin, restore_default_pool, wipe_db
from harness import free_port, wait_for

FAILED = "LDAP authentication failed."
TLS_CONFIG = "Failed to configure TLS for LDAP connection."
TIMEOUT_S = 2   # ldap.timeout of the pools the LDAP tests run (USHER_LDAP_TIMEOUT)

BASE = "dc=example,dc=org"
PEOPLE = "ou=people," + BASE
GROUPS = "ou=groups," + BASE
APP_DN = "cn=app," + BASE
APP_PW = "app-secret-pw"
ROOT_DN = "cn=admin," + BASE
ROOT_PW = "root-secret-pw"
EXCLUDING_FILTER = "(!(employeeType=contractor))"

# uid -> (cn, mail or None, password, extra attribute lines, parent)
PEOPLE_ROWS = {
    "alice": ("Alice Liddell", "alice@example.org", "alice-pw-1", [], PEOPLE),
    "bob": ("Bob Builder", "Bob.Builder@Example.ORG", "bob-pw-1", [], PEOPLE),
    "carol": ("Carol Jones", "carol@example.org", "carol-pw-1", [], PEOPLE),
    "nomail": ("No Mail", None, "nomail-pw-1", [], PEOPLE),
    "jose": ("José Ñúñez", "jose@example.org", "pässwörd-ü", [], PEOPLE),
    "contractor": ("Con Tractor", "contractor@example.org", "contractor-pw-1",
                   ["employeeType: contractor"], PEOPLE),
    "outsider": ("Out Sider", "outsider@example.org", "outsider-pw-1", [], "ou=others," + BASE),
}

# cn as written in the DN (RFC 4514) -> (name as usher must see it, members)
GROUP_ROWS = [
    ("staff", "staff", ["alice", "bob", "jose"]),
    ("Dev\\2C Ops", "Dev, Ops", ["alice"]),
    ("D\\C3\\A9veloppeurs", "Développeurs", ["alice"]),
    ("Team 1", "Team 1", ["carol"]),
    ("Team 2", "Team 2", ["carol"]),
    ("Team 3", "Team 3", ["carol"]),
    ("Team 4", "Team 4", ["carol"]),
    ("Team 5", "Team 5", ["carol"]),
]


def person_dn(uid):
    return f"uid={uid},{PEOPLE_ROWS[uid][4]}"


def group_dn(cn):
    return f"cn={cn},{GROUPS}"


def _ldif_value(attr, value):
    if value.isascii():
        return f"{attr}: {value}"
    import base64
    return f"{attr}:: {base64.b64encode(value.encode()).decode()}"


SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile {d}/slapd.pid
argsfile {d}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
allow bind_anon_dn
TLSCACertificateFile {d}/ca.pem
TLSCertificateFile {d}/server.pem
TLSCertificateKeyFile {d}/server.key

database mdb
maxsize 67108864
suffix "{base}"
rootdn "{root}"
rootpw {rootpw}
directory {d}/db
overlay memberof

access to attrs=userPassword
    by anonymous auth
    by self read
    by * none
access to dn.subtree="{base}"
    by dn.exact="{app}" read
    by self read
    by * none
"""


def _run(args, env=None, inp=None):
    r = subprocess.run(args, input=inp, capture_output=True, text=True, env=env, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({r.returncode}): {r.stderr}{r.stdout}")
    return r.stdout


def _make_ca(d, name):
    _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
          "-subj", f"/CN={name}", "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.pem"])


def _make_server_cert(d, ca):
    _run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
          "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr"])
    with open(f"{d}/san.ext", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    _run(["openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/{ca}.pem",
          "-CAkey", f"{d}/{ca}.key", "-CAcreateserial", "-days", "2",
          "-extfile", f"{d}/san.ext", "-out", f"{d}/server.pem"])


class Directory:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="usher-slapd-")
        self.port = free_port()
        self.tls_port = free_port()
        self.proc = None
        self.log_path = os.path.join(self.dir, "slapd.log")
        self.env = dict(os.environ, LDAPNOINIT="1", LDAPCONF="/dev/null", LDAPRC="/dev/null")

    # ---- paths the tests hand to usher
    @property
    def ca_file(self):
        return os.path.join(self.dir, "ca.pem")

    @property
    def wrong_ca_file(self):
        return os.path.join(self.dir, "otherca.pem")

    @property
    def uri(self):
        return f"ldap://127.0.0.1:{self.port}"

    def start(self):
        d = self.dir
        os.makedirs(f"{d}/db")
        _make_ca(d, "ca")
        _make_ca(d, "otherca")
        _make_server_cert(d, "ca")
        with open(f"{d}/slapd.conf", "w") as f:
            f.write(SLAPD_CONF.format(d=d, base=BASE, root=ROOT_DN, rootpw=ROOT_PW, app=APP_DN))
        _run(["slapadd", "-f", f"{d}/slapd.conf", "-l", "/dev/stdin"], inp=self._people_ldif())
        self._launch()
        _run(["ldapadd", "-x", "-H", self.uri, "-D", ROOT_DN, "-w", ROOT_PW],
             env=self.env, inp=self._groups_ldif())

    def _launch(self):
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            ["slapd", "-d", "256", "-f", f"{self.dir}/slapd.conf", "-h",
             f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.tls_port}/"],
            stdout=self.log, stderr=subprocess.STDOUT)

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                socket.create_connection(("127.0.0.1", self.tls_port), timeout=0.2).close()
                return True
            except OSError:
                return False
        wait_for(up, timeout=15, what="slapd listening")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    # ---- the operation log
    def log_mark(self):
        self.log.flush()
        return os.path.getsize(self.log_path)

    def log_since(self, mark):
        time.sleep(0.2)   # slapd writes its lines a moment after it answers
        with open(self.log_path, "rb") as f:
            f.seek(mark)
            return f.read().decode("utf-8", "replace")

    # ---- changes while it runs
    def modify(self, ldif):
        _run(["ldapmodify", "-x", "-H", self.uri, "-D", ROOT_DN, "-w", ROOT_PW],
             env=self.env, inp=ldif)

    def _people_ldif(self):
        out = [f"dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n",
               f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
               f"dn: ou=others,{BASE}\nobjectClass: organizationalUnit\nou: others\n",
               f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
               f"dn: {APP_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
               f"cn: app\nuserPassword: {APP_PW}\n"]
        for uid, (cn, mail, pw, extra, _parent) in PEOPLE_ROWS.items():
            lines = [f"dn: {person_dn(uid)}", "objectClass: inetOrgPerson", f"uid: {uid}",
                     _ldif_value("cn", cn), f"sn: {uid}", _ldif_value("userPassword", pw)]
            if mail:
                lines.append(f"mail: {mail}")
            lines += extra
            out.append("\n".join(lines) + "\n")
        return "\n".join(out)

    def _groups_ldif(self):
        out = []
        for cn, name, members in GROUP_ROWS:
            lines = [f"dn: {group_dn(cn)}", "objectClass: groupOfNames", _ldif_value("cn", name)]
            lines += [f"member: {person_dn(m)}" for m in members]
            out.append("\n".join(lines) + "\n")
        return "\n".join(out)


# ---------------------------------------------------------------- for the test modules
@pytest.fixture(scope="module")
def directory():
    d = Directory()
    try:
        d.start()
        yield d
    finally:
        d.stop()


def server_config(directory, **changes):
    cfg = {"label": "Example Directory", "host": "127.0.0.1", "port": directory.port,
           "attribute_for_mail": "mail", "attribute_for_username": "uid",
           "app_dn": APP_DN, "app_dn_password": APP_PW, "search_base": PEOPLE,
           "search_filters": EXCLUDING_FILTER, "use_tls": False, "certificate_path": None,
           "validate_cert": True, "ciphers": "ALL", "enable_group_management": False,
           "enable_group_creation": False, "attribute_for_groups": "memberOf"}
    cfg.update(changes)
    return cfg


class World:
    """A fresh install with an admin (signed up by e-mail) and LDAP on, pointed at the
    private directory over plain LDAP."""

    def __init__(self, stack, directory):
        self.stack, self.directory = stack, directory
        wipe_db(stack)
        self.admin = first_admin(stack)
        self.configure()
        expect(self.admin.post("admin/config/ldap", json={"enable_ldap": True}), 200)

    def configure(self, **changes):
        return expect(self.admin.post("admin/config/ldap/server",
                                      json=server_config(self.directory, **changes)), 200)

    def ldap(self, user, password, **kw):
        return self.stack.post(AUTHS + "/ldap", json={"user": user, "password": password}, **kw)

    def ok(self, uid, password=None):
        r = self.ldap(uid, password or PEOPLE_ROWS[uid][2])
        return expect(r, 200)


@pytest.fixture(scope="module")
def ldap_pool(stack):
    """The pool with the tests' short LDAP deadline (ldap.timeout), for a module."""
    ensure_pool_env(stack, {"USHER_LDAP_TIMEOUT": str(TIMEOUT_S)})
    yield stack
    restore_default_pool(stack)


@pytest.fixture
def world(ldap_pool, directory):  # noqa: F811 (the fixture above)
    """A fresh install with LDAP on against the private directory (World)."""
    return World(ldap_pool, directory)
