"""Connection-level cases: handshake, versions, host information, capabilities."""
import struct

import pytest

from cases import normalise, same_output
from harness import RawConn, decode_error, lv_error, run_virsh, run_virtc, OK


@pytest.mark.procedure("AUTH_LIST / CONNECT_OPEN")
def test_handshake_raw(target, record):
    """AUTH_LIST offers auth none only; CONNECT_OPEN of test:///default succeeds; serials echo."""
    c = RawConn(target.sock)
    try:
        hdr, body = c.call(66, 0)
        assert hdr[5] == OK, decode_error(body)
        (n,) = struct.unpack(">I", body[:4])
        auths = list(struct.unpack(">%di" % n, body[4:4 + 4 * n]))
        record["auth_list"] = auths
        assert auths == [0]
        hdr, body = c.call(1, 1, struct.pack(">I", 1) + b"\0\0\0\x0ftest:///default\0"
                           + struct.pack(">I", 0))
        record["open_status"] = hdr[5]
        record["open_reply_len"] = len(body)
        assert hdr[5] == OK, decode_error(body)
        assert hdr[4] == 1 and hdr[0] == 0x20008086 and hdr[1] == 1 and hdr[2] == 1
    finally:
        c.close()


@pytest.mark.procedure("CONNECT_SUPPORTS_FEATURE")
def test_supports_feature(target, record):
    """CONNECT_SUPPORTS_FEATURE for features 1..20 (the daemon's own answers, recorded)."""
    c = RawConn(target.sock)
    try:
        c.open()
        answers = {}
        for i, feat in enumerate(range(1, 21)):
            hdr, body = c.call(60, 10 + i, struct.pack(">i", feat))
            if hdr[5] == OK:
                answers[feat] = struct.unpack(">i", body[:4])[0]
            else:
                answers[feat] = "error %s" % decode_error(body)["code"]
        record["features"] = answers
        # every feature number is answered with 0 or 1 (no error), and some are supported
        assert set(answers.values()) <= {0, 1}, answers
        assert 1 in answers.values(), answers
    finally:
        c.close()


@pytest.mark.procedure("CONNECT_GET_VERSION / CONNECT_GET_LIB_VERSION")
def test_version_virtc_vs_virsh(target, record):
    """`version`: virtc and virsh print the same hypervisor line. Their "Using API" lines differ on
    purpose when the daemon's release is not the client's: virsh prints its own library's version
    there, virtc (which has no libvirt library) the daemon's (docs/compatibility.md)."""
    mine, theirs = run_virtc(target, "version"), run_virsh(target, "version")
    assert theirs.returncode == 0 and mine.returncode == 0, (mine.stderr, theirs.stderr)
    pick = lambda t, w: [l for l in normalise(t) if l.startswith(w)]
    record["virsh"] = pick(theirs.stdout, ("Using API", "Running hypervisor"))
    record["virtc"] = pick(mine.stdout, ("Using API", "Running hypervisor"))
    assert pick(mine.stdout, "Running hypervisor") == pick(theirs.stdout, "Running hypervisor")
    assert "Running hypervisor: TEST 0.0.2" in record["virsh"]
    assert pick(mine.stdout, "Using API") == ["Using API: TEST %s" % target.info["api"]]


@pytest.mark.procedure("CONNECT_GET_VERSION / CONNECT_GET_LIB_VERSION")
def test_version_python(target, record):
    """getVersion() of the test driver is 2; getLibVersion() is the daemon's release."""
    c = target.conn
    record["version"] = c.getVersion()
    record["lib_version"] = c.getLibVersion()
    assert record["version"] == 2
    assert record["lib_version"] >= 7000000


@pytest.mark.procedure("CONNECT_GET_TYPE")
def test_get_type(target, record):
    record["type"] = target.conn.getType()
    assert record["type"].upper() == "TEST"


@pytest.mark.procedure("CONNECT_GET_URI")
def test_get_uri(target, record):
    """getURI() over the wire: the daemon answers with the URI it opened (no socket param)."""
    uri = target.conn.getURI()
    record["uri"] = uri.split("?")[0]
    assert uri.startswith("test")


@pytest.mark.procedure("CONNECT_GET_HOSTNAME")
def test_hostname(target, record):
    """`hostname`: virtc prints what virsh prints."""
    r = same_output(target, record, "hostname")
    record["virsh"] = ["<hostname>"]  # differs per machine by nature
    assert r.stdout.strip()


@pytest.mark.procedure("NODE_GET_INFO")
def test_nodeinfo(target, record):
    """`nodeinfo`: the test driver's fixed node (i686, 16 CPUs, 1.4 GHz, 3 GiB)."""
    r = same_output(target, record, "nodeinfo")
    assert "CPU(s):              16" in r.stdout


@pytest.mark.procedure("NODE_GET_INFO")
def test_nodeinfo_python(target, record):
    record["info"] = target.conn.getInfo()
    assert record["info"][0] == "i686" and record["info"][2] == 16


@pytest.mark.procedure("CONNECT_GET_MAX_VCPUS")
def test_max_vcpus(target, record):
    try:
        record["max_vcpus"] = target.conn.getMaxVcpus(None)
    except Exception as exc:  # recorded: a driver may not implement it
        record["error"] = lv_error(exc)
        raise
    assert record["max_vcpus"] > 0


@pytest.mark.procedure("CONNECT_GET_SYSINFO")
def test_sysinfo(target, record):
    """getSysinfo(): the test driver's fixed SMBIOS document."""
    try:
        xml = target.conn.getSysinfo(0)
    except Exception as exc:
        record["error"] = lv_error(exc)
        raise
    record["root"] = xml.strip().split("\n")[0]
    assert xml.lstrip().startswith("<sysinfo")


@pytest.mark.procedure("CONNECT_GET_CAPABILITIES")
def test_capabilities(target, record):
    """Capabilities: host arch and guest os types of the test driver."""
    import xml.etree.ElementTree as ET
    caps = ET.fromstring(target.conn.getCapabilities())
    record["host_arch"] = caps.findtext("host/cpu/arch")
    record["guests"] = sorted({(g.findtext("os_type"), g.find("arch").get("name"))
                               for g in caps.findall("guest")})
    assert record["host_arch"] == "i686"
    assert record["guests"]


@pytest.mark.procedure("CONNECT_IS_SECURE / CONNECT_IS_ENCRYPTED")
def test_is_secure(target, record):
    """A local unix socket counts as secure and not encrypted."""
    record["secure"] = target.conn.isSecure()
    record["encrypted"] = target.conn.isEncrypted()
    assert record["secure"] == 1 and record["encrypted"] == 0


@pytest.mark.procedure("CONNECT_LIST_ALL_NETWORKS")
def test_net_list(target, record):
    same_output(target, record, "net-list", "--all")


@pytest.mark.procedure("CONNECT_LIST_ALL_STORAGE_POOLS")
def test_pool_list(target, record):
    same_output(target, record, "pool-list", "--all")
