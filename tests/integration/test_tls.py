"""libvirt's TLS transport (qemu+tls://, port 16514 in libvirtd) on both sides:
fake-libvirtd's --listen-tls against virsh, python3-libvirt and our virtc, with certificates
made by certtool in libvirt's file layouts (docs/fake-libvirtd.md, "TLS").

The fakes are started with the project's pytest plugin fixtures."""
import os
import shutil
import socket
import ssl
import subprocess

import pytest

from conftest import BUILD, run_virsh, run_virtc
from fake_libvirtd_fixtures import tcp_port, wait_for
import podman_libvirtd
import tls_certs

os.environ.setdefault("VW_BUILD", str(BUILD))
from pytest_virtwire import fake_libvirtd  # noqa: E402,F401  (fixture)

pytestmark = pytest.mark.skipif(tls_certs.CERTTOOL is None,
                                reason="certtool (gnutls-bin) is not installed")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """CA A (the daemon's), CA B (a stranger); the server's --tls-dir; client pkipath dirs."""
    root = tmp_path_factory.mktemp("pki")
    ca = tls_certs.make_ca(str(root / "ca"), "A")
    other = tls_certs.make_ca(str(root / "other-ca"), "B")
    d = {
        "server": tls_certs.make_server_dir(str(root / "server"), ca),
        "client": tls_certs.make_client_dir(str(root / "client"), ca),
        "nocert": tls_certs.make_client_dir(str(root / "nocert"), ca, with_cert=False),
        "stranger": tls_certs.make_client_dir(str(root / "stranger"), other, trust=ca),
        "wrongtrust": tls_certs.make_client_dir(str(root / "wrongtrust"), ca, trust=other),
    }
    return d


def start_tls(fake_libvirtd, pki, *extra):
    fl = fake_libvirtd(extra_args=["--listen-tls", "tcp:127.0.0.1:0", "--tls-dir", pki["server"]]
                       + list(extra))
    return fl, tcp_port(fl.proc.pid)


def tls_uri(port, pkipath, driver="test", path="default", extra=""):
    return "%s+tls://127.0.0.1:%d/%s?pkipath=%s%s" % (driver, port, path, pkipath, extra)


def stderr_text(fl):
    return fl.stderr_tail(200)


# ---- real clients against the fake ------------------------------------------------------------

def test_virsh_over_tls(fake_libvirtd, pki):
    fl, port = start_tls(fake_libvirtd, pki)
    r = run_virsh(["list", "--all"], tls_uri(port, pki["client"]))
    assert r.returncode == 0, r.stderr
    assert " test " in r.stdout and "running" in r.stdout
    r = run_virsh(["hostname"], tls_uri(port, pki["client"], "qemu", "system"))
    assert r.returncode == 0, r.stderr


def test_python_libvirt_over_tls(fake_libvirtd, pki):
    libvirt = pytest.importorskip("libvirt")
    fl, port = start_tls(fake_libvirtd, pki)
    conn = libvirt.open(tls_uri(port, pki["client"], "qemu", "system"))
    try:
        assert conn.getHostname()
        assert conn.isEncrypted() == 1 and conn.isSecure() == 1
        dom = conn.lookupByName("test")
        assert dom.isActive() == 1
    finally:
        conn.close()


def test_client_without_certificate_is_refused(fake_libvirtd, pki):
    fl, port = start_tls(fake_libvirtd, pki)
    r = run_virsh(["list"], tls_uri(port, pki["nocert"]))
    assert r.returncode == 1
    assert "TLS" in r.stderr or "server verification" in r.stderr, r.stderr
    assert wait_for(lambda: "Unable to verify TLS peer: No certificate was found."
                    in stderr_text(fl), timeout=10), stderr_text(fl)


def tls_socket(port, pkidir):
    """A raw TLS client (Python's ssl) presenting pkidir's client certificate: it can present
    a certificate virsh would refuse to send."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.path.join(pkidir, "cacert.pem"))
    ctx.load_cert_chain(os.path.join(pkidir, "clientcert.pem"),
                        os.path.join(pkidir, "clientkey.pem"))
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def test_client_certificate_from_another_ca_is_refused(fake_libvirtd, pki):
    """virsh will not even send a certificate its own CA file does not vouch for ("Our own
    certificate ... failed validation"); a raw TLS client does, and the daemon closes the
    connection without the confirmation byte."""
    fl, port = start_tls(fake_libvirtd, pki)
    r = run_virsh(["list"], tls_uri(port, pki["stranger"]))
    assert r.returncode == 1
    assert "Our own certificate" in r.stderr, r.stderr
    s = tls_socket(port, pki["stranger"])
    try:
        try:
            got = s.recv(1)
        except (ssl.SSLError, OSError):
            got = b""
        assert got == b""
    finally:
        s.close()
    assert wait_for(lambda: "Certificate failed validation: The certificate hasn't got a known "
                    "issuer." in stderr_text(fl), timeout=10), stderr_text(fl)


def test_confirmation_byte_after_the_handshake(fake_libvirtd, pki):
    """libvirtd's protocol over TLS: the daemon sends one byte 1 once the certificate check
    passed, then the RPC starts."""
    fl, port = start_tls(fake_libvirtd, pki)
    s = tls_socket(port, pki["client"])
    try:
        assert s.recv(1) == b"\x01"
    finally:
        s.close()


def test_no_verify_certificate_accepts_a_client_without_one(fake_libvirtd, pki):
    fl, port = start_tls(fake_libvirtd, pki, "--tls-no-verify-certificate")
    r = run_virsh(["list", "--all"], tls_uri(port, pki["nocert"]))
    assert r.returncode == 0, r.stderr


def test_allowed_dn_list(fake_libvirtd, pki):
    # GnuTLS (and so libvirtd) writes the DN as C=GB,O=virt-wire,CN=testclient
    fl, port = start_tls(fake_libvirtd, pki, "--tls-allowed-dn", "*,CN=someone-else")
    r = run_virsh(["list"], tls_uri(port, pki["client"]))
    assert r.returncode == 1
    assert wait_for(lambda: "Client's Distinguished Name is not on the list of allowed clients "
                    "(tls_allowed_dn_list)" in stderr_text(fl), timeout=10), stderr_text(fl)
    fl2, port2 = start_tls(fake_libvirtd, pki, "--tls-allowed-dn", "*,CN=someone-else",
                           "--tls-allowed-dn", "C=GB,O=virt-wire,CN=test*")
    r = run_virsh(["list"], tls_uri(port2, pki["client"]))
    assert r.returncode == 0, r.stderr


def test_bad_tls_dir_is_refused_at_start(tmp_path):
    fl = str(BUILD / "bin" / "fake-libvirtd")
    r = subprocess.run([fl, "--listen-tls", "tcp:127.0.0.1:0", "--tls-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "Cannot read CA certificate '%s/cacert.pem'" % tmp_path in r.stderr, r.stderr
    r = subprocess.run([fl, "--listen", "unix:%s/s" % tmp_path, "--tls-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "need --listen-tls" in r.stderr, r.stderr


def test_server_certificate_from_another_ca_fails_verification(tmp_path, pki):
    """The server's certificate does not verify against the client's CA."""
    wrong = tls_certs.make_server_dir(str(tmp_path / "srv"), tls_certs.make_ca(str(tmp_path / "c"),
                                                                              "C"))
    os.replace(os.path.join(wrong, "cacert.pem"), os.path.join(wrong, "ca-unused.pem"))
    # the daemon trusts CA A for its clients but presents a certificate of CA C: it refuses
    # to start, as libvirtd does ("Our own certificate ... failed validation")
    shutil.copy(os.path.join(pki["server"], "cacert.pem"), os.path.join(wrong, "cacert.pem"))
    r = subprocess.run([str(BUILD / "bin" / "fake-libvirtd"), "--listen-tls", "tcp:127.0.0.1:0",
                        "--tls-dir", wrong], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "Our own certificate %s/servercert.pem failed validation against %s/cacert.pem" % (
        wrong, wrong) in r.stderr, r.stderr


# ---- our client (virtc, the library) --------------------------------------------------------

def test_virtc_over_tls_matches_virsh(fake_libvirtd, pki):
    fl, port = start_tls(fake_libvirtd, pki)
    uri = tls_uri(port, pki["client"])
    ours = run_virtc(["list", "--all"], uri)
    theirs = run_virsh(["list", "--all"], uri)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.strip() == theirs.stdout.strip()
    # a host without a transport means TLS, as in libvirt
    r = run_virtc(["list", "--all"], "test://127.0.0.1:%d/default?pkipath=%s" % (
        port, pki["client"]))
    assert r.returncode == 0, r.stderr


def test_virtc_refused_without_certificate_as_virsh(fake_libvirtd, pki):
    fl, port = start_tls(fake_libvirtd, pki)
    uri = tls_uri(port, pki["nocert"])
    ours = run_virtc(["list"], uri)
    theirs = run_virsh(["list"], uri)
    assert ours.returncode == 1 and theirs.returncode == 1
    assert "error: Unable to read TLS confirmation: Input/output error" in theirs.stderr
    assert "error: Unable to read TLS confirmation: Input/output error (" in ours.stderr
    assert "refused our certificate" in ours.stderr


def test_virtc_checks_the_server_certificate(fake_libvirtd, pki):
    fl, port = start_tls(fake_libvirtd, pki)
    r = run_virtc(["list"], tls_uri(port, pki["wrongtrust"]))
    assert r.returncode == 1
    assert ("error: Certificate failed validation: The certificate hasn't got a known issuer."
            in r.stderr), r.stderr
    # no_verify=1 skips the check (the daemon still checks ours: it is from its CA)
    r = run_virtc(["list"], tls_uri(port, pki["wrongtrust"], extra="&no_verify=1"))
    assert r.returncode == 0, r.stderr


def test_virtc_missing_ca_file(fake_libvirtd, pki, tmp_path):
    fl, port = start_tls(fake_libvirtd, pki)
    r = run_virtc(["list"], tls_uri(port, str(tmp_path)))
    assert r.returncode == 1
    assert "Cannot read CA certificate '%s/cacert.pem': No such file or directory" % tmp_path \
        in r.stderr, r.stderr


def test_virtc_tls_to_a_plain_tcp_listener_times_out_or_fails_clearly(fake_libvirtd, pki):
    """A TLS client at a plain RPC port: the daemon reads the ClientHello as a packet with a
    bad length and closes; the client says the handshake failed."""
    fl = fake_libvirtd(extra_args=["--listen", "tcp:127.0.0.1:0"])
    port = tcp_port(fl.proc.pid)
    r = run_virtc(["list"], tls_uri(port, pki["client"]))
    assert r.returncode == 1
    assert "TLS handshake failed" in r.stderr, r.stderr


def test_large_messages_both_ways_over_tls(fake_libvirtd, pki):
    """A 2 MB domain XML there and back: many TLS records, partial writes on both sides, and
    bytes the daemon's session holds decrypted beyond one socket read."""
    libvirt = pytest.importorskip("libvirt")
    fl, port = start_tls(fake_libvirtd, pki)
    conn = libvirt.open(tls_uri(port, pki["client"], "qemu", "system"))
    try:
        text = "x" * (2 * 1024 * 1024)
        xml = ("<domain type='test'><name>big</name><description>%s</description>"
               "<memory>1024</memory><os><type>hvm</type></os></domain>" % text)
        dom = conn.defineXML(xml)
        for _ in range(3):
            assert text in dom.XMLDesc(0)
        assert conn.lookupByName("big").name() == "big"
    finally:
        conn.close()
    ours = run_virtc(["dumpxml", "big"], tls_uri(port, pki["client"], "qemu", "system"))
    assert ours.returncode == 0 and text in ours.stdout, ours.stderr[-500:]


# ---- a real libvirtd with TLS, in a podman container (podman_libvirtd.py) -----------------------



@pytest.fixture(scope="module")
def real_tls_libvirtd(pki, tmp_path_factory):
    port = podman_libvirtd.free_port()
    d = tmp_path_factory.mktemp("real-tls")
    shutil.copytree(pki["server"], str(d / "files"))
    conf = podman_libvirtd.config(port, "none")
    daemon = podman_libvirtd.start_or_skip(str(d), conf, port=port)
    yield port
    daemon.stop()


def test_virtc_against_real_libvirtd_over_tls(real_tls_libvirtd, pki):
    uri = tls_uri(real_tls_libvirtd, pki["client"])
    ours = run_virtc(["list", "--all"], uri)
    theirs = run_virsh(["list", "--all"], uri)
    assert ours.returncode == 0, ours.stderr
    assert theirs.returncode == 0, theirs.stderr
    assert ours.stdout.strip() == theirs.stdout.strip()
    r = run_virtc(["hostname"], tls_uri(real_tls_libvirtd, pki["client"], "qemu", "system"))
    assert r.returncode == 0, r.stderr


def test_refused_certificate_same_for_real_and_fake(real_tls_libvirtd, fake_libvirtd, pki):
    """A client without a certificate: both daemons close after the handshake; virsh and virtc
    say the same against both."""
    fl, fake_port = start_tls(fake_libvirtd, pki)
    for tool in (run_virsh, run_virtc):
        real = tool(["list"], tls_uri(real_tls_libvirtd, pki["nocert"]))
        fake = tool(["list"], tls_uri(fake_port, pki["nocert"]))
        assert real.returncode == fake.returncode == 1
        assert real.stderr == fake.stderr, (tool.__name__, real.stderr, fake.stderr)
