"""SASL authentication (libvirtd's auth_unix_rw / auth_tcp / auth_tls = "sasl") on both sides:
fake-libvirtd's --auth-* options against virsh (credentials from a libvirt auth file,
LIBVIRT_AUTH_FILE), python3-libvirt (openAuth callback) and our virtc, and the same wrong
credentials refused the same way by a real libvirtd (in podman, as in test_tls.py).
SCRAM-SHA-256 with a sasldb made by saslpasswd2 (sasl2-bin, libsasl2-modules)."""
import glob
import os
import shutil
import socket
import struct
import subprocess

import pytest

from conftest import BUILD, REPO
from fake_libvirtd_fixtures import clean_env, tcp_port, wait_for
import podman_libvirtd
import tls_certs

os.environ.setdefault("VW_BUILD", str(BUILD))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

SASL_PLUGINS = "/usr/lib/x86_64-linux-gnu/sasl2"



@pytest.fixture(scope="module", autouse=True)
def lsan_suppressions():
    """Under ASan: OpenSSL state the DIGEST-MD5 plugin never frees
    (data/lsan-sasl-openssl.supp), for the fakes and virtc of this module only."""
    old = os.environ.get("LSAN_OPTIONS")
    supp = REPO / "tests" / "integration" / "data" / "lsan-sasl-openssl.supp"
    os.environ["LSAN_OPTIONS"] = ":".join(filter(None, [old, "suppressions=%s" % supp]))
    yield
    if old is None:
        del os.environ["LSAN_OPTIONS"]
    else:
        os.environ["LSAN_OPTIONS"] = old
pytestmark = pytest.mark.skipif(
    not shutil.which("saslpasswd2") or not glob.glob(SASL_PLUGINS + "/libscram.so*"),
    reason="saslpasswd2 (sasl2-bin) or the SCRAM plugin (libsasl2-modules) is missing")

USER, PASSWORD = "fred", "s3cret-pw"


@pytest.fixture(scope="module")
def sasl(tmp_path_factory):
    """A sasldb with USER/PASSWORD (realm libvirt, as libvirt's docs make it) and auth files."""
    d = tmp_path_factory.mktemp("sasl")
    db = str(d / "passwd.db")
    subprocess.run(["saslpasswd2", "-f", db, "-a", "libvirt", "-p", "-c", USER],
                   input=PASSWORD, text=True, check=True, timeout=30)

    def auth_file(name, password):
        path = str(d / name)
        with open(path, "w") as f:
            f.write("[credentials-vw]\nauthname=%s\npassword=%s\n\n"
                    "[auth-libvirt-localhost]\ncredentials=vw\n\n"
                    "[auth-libvirt-127.0.0.1]\ncredentials=vw\n" % (USER, password))
        return path
    return {"dir": str(d), "db": db, "good": auth_file("auth.conf", PASSWORD),
            "bad": auth_file("bad.conf", "wrong")}


def env_with(auth_file=None, **extra):
    env = clean_env()
    if auth_file:
        env["LIBVIRT_AUTH_FILE"] = auth_file
    env.update(extra)
    return env


def virsh(args, uri, auth_file):
    return subprocess.run(["virsh", "-c", uri] + list(args), capture_output=True, text=True,
                          timeout=60, env=env_with(auth_file))


def virtc(args, uri, user=USER, password=PASSWORD, auth_file=None):
    extra = {}
    if user is not None:
        extra["VIRTC_SASL_USER"] = user
    if password is not None:
        extra["VIRTC_SASL_PASS"] = password
    return subprocess.run([str(BUILD / "bin" / "virtc"), "-c", uri] + list(args),
                          capture_output=True, text=True, timeout=60,
                          env=env_with(auth_file, **extra))


def start_sasl(fake_libvirtd, sasl, *extra):
    return fake_libvirtd(extra_args=["--auth-unix-rw", "sasl", "--sasl-db", sasl["db"]]
                         + list(extra))


def unix_uri(path, driver="test", name="default"):
    return "%s+unix:///%s?socket=%s" % (driver, name, path)


# ---- raw wire: what is served before authentication ---------------------------------------------

def raw_call(sock, proc, serial, payload=b""):
    body = struct.pack(">IIiiIi", 0x20008086, 1, proc, 0, serial, 0) + payload
    sock.sendall(struct.pack(">I", len(body) + 4) + body)
    n = struct.unpack(">I", recv_exact(sock, 4))[0]
    data = recv_exact(sock, n - 4)
    status = struct.unpack(">i", data[20:24])[0]
    return status, data[24:]


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        assert chunk, "the daemon closed the connection"
        buf += chunk
    return buf


def error_of(payload):
    """(code, domain, message) of a remote_error payload."""
    code, domain, has_msg = struct.unpack(">iii", payload[:12])
    msg = ""
    if has_msg:
        n = struct.unpack(">I", payload[12:16])[0]
        msg = payload[16:16 + n].decode()
    return code, domain, msg


def test_calls_before_authentication_are_refused(fake_libvirtd, sasl):
    fl = start_sasl(fake_libvirtd, sasl)
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(fl.socket)
    try:
        status, body = raw_call(s, 66, 1)                     # AUTH_LIST: [SASL]
        assert status == 0 and struct.unpack(">II", body[:8]) == (1, 1)
        status, body = raw_call(s, 1, 2, struct.pack(">II", 0, 0))   # CONNECT_OPEN(NULL, 0)
        assert status == 1
        assert error_of(body) == (39, 7, "authentication required")   # VIR_ERR_RPC, FROM_RPC
        status, body = raw_call(s, 59, 3)                     # CONNECT_GET_HOSTNAME
        assert status == 1 and error_of(body)[2] == "authentication required"
        status, body = raw_call(s, 68, 4, struct.pack(">I", 5) + b"PLAIN\0\0\0" +
                                struct.pack(">iI", 1, 0))     # START before INIT
        assert status == 1
        assert error_of(body) == (45, 7, "authentication failed: authentication failed")
        status, body = raw_call(s, 67, 5)                     # INIT: the mechanism list
        assert status == 0
        n = struct.unpack(">I", body[:4])[0]
        assert body[4:4 + n] == b"SCRAM-SHA-256"
    finally:
        s.close()


def test_unauthenticated_clients_are_anonymous(fake_libvirtd, sasl):
    """With SASL, a client past AUTH_LIST still counts against --max-anonymous-clients."""
    fl = start_sasl(fake_libvirtd, sasl, "--max-anonymous-clients", "1")
    a = socket.socket(socket.AF_UNIX)
    a.settimeout(10)
    a.connect(fl.socket)
    assert raw_call(a, 66, 1)[0] == 0
    assert wait_for(lambda: "--max-anonymous-clients 1" in fl.stderr_tail(50), timeout=10)
    b = socket.socket(socket.AF_UNIX)
    b.settimeout(1)
    b.connect(fl.socket)     # queued by the kernel; the daemon does not accept it yet
    with pytest.raises(socket.timeout):
        raw_call(b, 66, 1)
    a.close()                # one anonymous client goes: b is served
    b.settimeout(10)
    assert struct.unpack(">I", recv_exact(b, 4))[0] > 24    # the AUTH_LIST reply arrives
    b.close()


# ---- virsh, python3-libvirt, virtc against the fake ----------------------------------------------

def test_virsh_with_auth_file(fake_libvirtd, sasl):
    fl = start_sasl(fake_libvirtd, sasl)
    r = virsh(["list", "--all"], unix_uri(fl.socket), sasl["good"])
    assert r.returncode == 0, r.stderr
    assert " test " in r.stdout


def test_wrong_password(fake_libvirtd, sasl):
    fl = start_sasl(fake_libvirtd, sasl)
    r = virsh(["list"], unix_uri(fl.socket), sasl["bad"])
    assert r.returncode == 1
    assert "error: authentication failed: authentication failed" in r.stderr, r.stderr
    assert wait_for(lambda: "authentication failure" in fl.stderr_tail(50), timeout=10)
    ours = virtc(["list"], unix_uri(fl.socket), password="wrong")
    assert ours.returncode == 1
    assert "error: authentication failed: authentication failed" in ours.stderr, ours.stderr


def test_python_open_auth_callback(fake_libvirtd, sasl):
    libvirt = pytest.importorskip("libvirt")
    fl = start_sasl(fake_libvirtd, sasl)
    asked = []

    def cb(creds, opaque):
        for cred in creds:
            asked.append(cred[0])
            if cred[0] == libvirt.VIR_CRED_AUTHNAME:
                cred[4] = USER
            elif cred[0] == libvirt.VIR_CRED_PASSPHRASE:
                cred[4] = PASSWORD
        return 0
    auth = [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE], cb, None]
    conn = libvirt.openAuth(unix_uri(fl.socket), auth, 0)
    try:
        assert conn.lookupByName("test").isActive() == 1
    finally:
        conn.close()
    assert libvirt.VIR_CRED_PASSPHRASE in asked


def test_allowed_username_list(fake_libvirtd, sasl):
    fl = start_sasl(fake_libvirtd, sasl, "--sasl-allowed-username", "admin*")
    r = virsh(["list"], unix_uri(fl.socket), sasl["good"])
    assert r.returncode == 1
    assert "authentication failed: authentication failed" in r.stderr
    assert wait_for(lambda: "Client's username is not on the list of allowed clients"
                    in fl.stderr_tail(50), timeout=10)
    fl2 = start_sasl(fake_libvirtd, sasl, "--sasl-allowed-username", "admin*",
                     "--sasl-allowed-username", "fr?d")
    r = virsh(["list"], unix_uri(fl2.socket), sasl["good"])
    assert r.returncode == 0, r.stderr


def test_sasl_over_tls(fake_libvirtd, sasl, tmp_path):
    ca = tls_certs.make_ca(str(tmp_path / "ca"))
    server = tls_certs.make_server_dir(str(tmp_path / "server"), ca)
    client = tls_certs.make_client_dir(str(tmp_path / "client"), ca)
    fl = fake_libvirtd(extra_args=["--listen-tls", "tcp:127.0.0.1:0", "--tls-dir", server,
                                   "--auth-tls", "sasl", "--sasl-db", sasl["db"]])
    uri = "test+tls://127.0.0.1:%d/default?pkipath=%s" % (tcp_port(fl.proc.pid), client)
    r = virsh(["list"], uri, sasl["good"])
    assert r.returncode == 0, r.stderr
    r = virtc(["list"], uri)
    assert r.returncode == 0, r.stderr
    r = virsh(["list"], uri, sasl["bad"])
    assert r.returncode == 1 and "authentication failed: authentication failed" in r.stderr


def test_plain_tcp_offers_no_mechanism_without_a_security_layer(fake_libvirtd, sasl):
    """libvirtd wants a SASL layer of 56 bits on plain TCP; SCRAM has none, so nothing is
    offered, and the clients say so."""
    fl = fake_libvirtd(extra_args=["--listen", "tcp:127.0.0.1:0", "--auth-tcp", "sasl",
                                   "--sasl-db", sasl["db"]])
    uri = "test+tcp://127.0.0.1:%d/default" % tcp_port(fl.proc.pid)
    r = virsh(["list"], uri, sasl["good"])
    assert r.returncode == 1
    ours = virtc(["list"], uri)
    assert ours.returncode == 1
    assert "SASL" in ours.stderr and "mechanism" in ours.stderr, ours.stderr


def test_digest_md5_security_layer_on_plain_tcp(fake_libvirtd, sasl):
    """DIGEST-MD5 negotiates a security layer (SSF >= 56, what libvirtd wants on plain TCP):
    after the reply that ends SASL every byte both ways goes through it; a 2 MB domain XML
    crosses it in many chunks."""
    libvirt = pytest.importorskip("libvirt")
    fl = fake_libvirtd(extra_args=["--listen", "tcp:127.0.0.1:0", "--auth-tcp", "sasl",
                                   "--sasl-db", sasl["db"], "--sasl-mech-list", "DIGEST-MD5"])
    uri = "test+tcp://127.0.0.1:%d/default" % tcp_port(fl.proc.pid)
    r = virsh(["list", "--all"], uri, sasl["good"])
    assert r.returncode == 0, r.stderr
    assert " test " in r.stdout

    def cb(creds, opaque):
        for cred in creds:
            cred[4] = USER if cred[0] == libvirt.VIR_CRED_AUTHNAME else PASSWORD
        return 0
    conn = libvirt.openAuth(uri, [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE],
                                  cb, None], 0)
    try:
        text = "y" * (2 * 1024 * 1024)
        dom = conn.defineXML("<domain type='test'><name>big</name><description>%s"
                             "</description><memory>1024</memory><os><type>hvm</type></os>"
                             "</domain>" % text)
        assert text in dom.XMLDesc(0)
    finally:
        conn.close()
    ours = virtc(["list"], uri)
    assert ours.returncode == 1
    assert "security layer" in ours.stderr and "does not implement" in ours.stderr, ours.stderr


def test_virtc_credentials(fake_libvirtd, sasl):
    fl = start_sasl(fake_libvirtd, sasl)
    uri = unix_uri(fl.socket)
    r = virtc(["list", "--all"], uri)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == virsh(["list", "--all"], uri, sasl["good"]).stdout.strip()
    # libvirt's auth file works for virtc too
    r = virtc(["list"], uri, user=None, password=None, auth_file=sasl["good"])
    assert r.returncode == 0, r.stderr
    # no credentials at all: a clear message
    r = virtc(["list"], uri, user=None, password=None)
    assert r.returncode == 1
    assert "VIRTC_SASL_USER" in r.stderr and "LIBVIRT_AUTH_FILE" in r.stderr, r.stderr
    # a mechanism the daemon does not offer
    r = subprocess.run([str(BUILD / "bin" / "virtc"), "-c", uri, "list"], capture_output=True,
                       text=True, timeout=60,
                       env=env_with(VIRTC_SASL_USER=USER, VIRTC_SASL_PASS=PASSWORD,
                                    VIRTC_SASL_MECH="DIGEST-MD5"))
    assert r.returncode == 1
    assert "DIGEST-MD5" in r.stderr and "SCRAM-SHA-256" in r.stderr, r.stderr


# ---- a real libvirtd with SASL (podman_libvirtd.py) ----------------------------------------------
# The release's root filesystem has no SCRAM plugin (libsasl2-modules is not installed there),
# so the host's plugin directory (the same Debian release's libsasl2) is mounted over it, and
# /etc/sasl2/libvirt.conf comes from the test.



@pytest.fixture(scope="module")
def real_sasl_libvirtd(sasl, tmp_path_factory):
    d = tmp_path_factory.mktemp("real-sasl")
    ca = tls_certs.make_ca(str(d / "ca"))
    files = tls_certs.make_server_dir(str(d / "files"), ca)
    client = tls_certs.make_client_dir(str(d / "client"), ca)
    shutil.copy(sasl["db"], os.path.join(files, "passwd.db"))
    etc = d / "sasl2"
    etc.mkdir()
    (etc / "libvirt.conf").write_text("mech_list: scram-sha-256 digest-md5\n"
                                      "sasldb_path: /vw/files/passwd.db\n")
    port, tcp = podman_libvirtd.free_port(), podman_libvirtd.free_port()
    mounts = [(SASL_PLUGINS, SASL_PLUGINS), (str(etc), "/etc/sasl2")]
    daemon = podman_libvirtd.start_or_skip(str(d), podman_libvirtd.config(port, "sasl", tcp),
                                           port=port, mounts=mounts, wait_sock="libvirt-sock")
    yield {"sock": os.path.join(daemon.sockdir, "libvirt-sock"), "port": port, "tcp": tcp,
           "client": client,
           "ca": ca, "daemon": daemon}
    daemon.stop()


def test_virtc_against_real_libvirtd_with_sasl(real_sasl_libvirtd, sasl):
    real = real_sasl_libvirtd
    uri = unix_uri(real["sock"])
    ours = virtc(["list", "--all"], uri)
    theirs = virsh(["list", "--all"], uri, sasl["good"])
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.strip() == theirs.stdout.strip()
    tls = "test+tls://127.0.0.1:%d/default?pkipath=%s" % (real["port"], real["client"])
    r = virtc(["list", "--all"], tls)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == theirs.stdout.strip()


REAL_MECHS = "SCRAM-SHA-256 DIGEST-MD5"   # the real daemon's mech_list (libvirt.conf above)


def test_wrong_password_same_for_real_and_fake(real_sasl_libvirtd, fake_libvirtd, sasl):
    fl = start_sasl(fake_libvirtd, sasl, "--sasl-mech-list", REAL_MECHS)
    real_uri, fake_uri = unix_uri(real_sasl_libvirtd["sock"]), unix_uri(fl.socket)
    real, fake = virsh(["list"], real_uri, sasl["bad"]), virsh(["list"], fake_uri, sasl["bad"])
    assert real.returncode == fake.returncode == 1
    assert real.stderr == fake.stderr, (real.stderr, fake.stderr)
    real = virtc(["list"], real_uri, password="wrong")
    fake = virtc(["list"], fake_uri, password="wrong")
    assert real.returncode == fake.returncode == 1
    assert real.stderr == fake.stderr, (real.stderr, fake.stderr)
    # a mechanism the daemons do not offer: the same message from our client
    env = dict(VIRTC_SASL_MECH="CRAM-MD5")
    real = subprocess.run([str(BUILD / "bin" / "virtc"), "-c", real_uri, "list"],
                          capture_output=True, text=True, timeout=60,
                          env=env_with(VIRTC_SASL_USER=USER, VIRTC_SASL_PASS=PASSWORD, **env))
    fake = subprocess.run([str(BUILD / "bin" / "virtc"), "-c", fake_uri, "list"],
                          capture_output=True, text=True, timeout=60,
                          env=env_with(VIRTC_SASL_USER=USER, VIRTC_SASL_PASS=PASSWORD, **env))
    assert real.returncode == fake.returncode == 1 and real.stderr == fake.stderr


def test_calls_before_authentication_same_for_real_and_fake(real_sasl_libvirtd, fake_libvirtd,
                                                            sasl):
    fl = start_sasl(fake_libvirtd, sasl, "--sasl-mech-list", REAL_MECHS)
    answers = []
    for path in (real_sasl_libvirtd["sock"], fl.socket):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(path)
        try:
            got = [raw_call(s, 66, 1)]
            got.append(raw_call(s, 1, 2, struct.pack(">II", 0, 0)))
            got.append(raw_call(s, 59, 3))
            got.append(raw_call(s, 68, 4, struct.pack(">I", 5) + b"PLAIN\0\0\0" +
                                struct.pack(">iI", 1, 0)))
            got.append(raw_call(s, 67, 5))
        finally:
            s.close()
        answers.append([(st, error_of(body) if st == 1 else body) for st, body in got])
    assert answers[0] == answers[1]


def test_plain_tcp_same_for_real_and_fake(real_sasl_libvirtd, fake_libvirtd, sasl):
    """auth_tcp = sasl with SCRAM and DIGEST-MD5: on plain TCP both daemons offer DIGEST-MD5
    only (it has a security layer); virsh works through the layer on both, and our client,
    which speaks no layer, is refused the same way by both."""
    fl = fake_libvirtd(extra_args=["--listen", "tcp:127.0.0.1:0", "--auth-tcp", "sasl",
                                   "--sasl-db", sasl["db"],
                                   "--sasl-mech-list", REAL_MECHS])
    real_uri = "test+tcp://127.0.0.1:%d/default" % real_sasl_libvirtd["tcp"]
    fake_uri = "test+tcp://127.0.0.1:%d/default" % tcp_port(fl.proc.pid)
    real, fake = virsh(["list"], real_uri, sasl["good"]), virsh(["list"], fake_uri, sasl["good"])
    assert real.returncode == fake.returncode == 0, (real.stderr, fake.stderr)
    assert real.stdout == fake.stdout
    real, fake = virsh(["list"], real_uri, sasl["bad"]), virsh(["list"], fake_uri, sasl["bad"])
    assert real.returncode == fake.returncode == 1
    assert real.stderr == fake.stderr, (real.stderr, fake.stderr)
    real, fake = virtc(["list"], real_uri), virtc(["list"], fake_uri)
    assert real.returncode == fake.returncode == 1
    assert real.stderr == fake.stderr, (real.stderr, fake.stderr)
