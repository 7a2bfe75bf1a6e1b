"""make bench's programs (bench/): each client peer counts real round trips against a
fake-libvirtd from the plugin's fixture, the QMP bench against fake-qemu and a real QEMU, the
growth part runs on a small state, and every program fails with a message, not a hang, on bad
input. Rates are only required to be positive: timing belongs in make bench, not in tests."""
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import BUILD, REPO
from real_qemu import Qemu

os.environ.setdefault("VW_BUILD", str(BUILD))
sys.path.insert(0, str(REPO / "pytest-plugin"))
sys.path.insert(0, str(REPO / "bench"))
from pytest_virtwire import fake_libvirtd, fake_qemu  # noqa: E402,F401  (fixtures)

import peers  # noqa: E402

BIN = BUILD / "bin"
PY = "/usr/bin/python3"
LINE = re.compile(r"^(\S+) (\d+) clients: (\d+) in ([\d.]+) s = (\d+) rt/s$")


def run(cmd, timeout=120):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout)


def parse(p, name, clients):
    assert p.returncode == 0, p.stderr
    m = LINE.match(p.stdout.strip())
    assert m, p.stdout
    assert m.group(1) == name and int(m.group(2)) == clients
    assert int(m.group(3)) > 0 and int(m.group(5)) > 0


@pytest.fixture(scope="module")
def go_bench():
    if not peers.build_go(str(BUILD)):
        pytest.skip("go-libvirt peer cannot be built here")
    return BIN / "go_bench"


@pytest.mark.parametrize("clients", [1, 3])
def test_every_client_peer_against_the_fake(fake_libvirtd, go_bench, clients):
    fake = fake_libvirtd()
    n = str(clients)
    parse(run([BIN / "rpc_bench", "client", fake.uri, "0.2", n]), "client", clients)
    parse(run([BIN / "libvirt_bench", fake.uri, "0.2", n]), "libvirt.so", clients)
    parse(run([PY, REPO / "bench" / "py_bench.py", fake.uri, "0.2", n]), "python3-libvirt",
          clients)
    parse(run([go_bench, fake.socket, "test:///default", "0.2", n]), "go-libvirt", clients)


def test_qmp_bench_against_fake_qemu_and_real_qemu(fake_qemu, tmp_path):
    fq = fake_qemu()
    qemu = Qemu(tmp_path / "qmp.sock")
    try:
        for address in (fq.address, "unix:%s" % qemu.sock):
            parse(run([BIN / "qmp_bench", "client", address, "0.2"]), "qmp-client", 1)
            parse(run([BIN / "qmp_bench", "raw", address, "0.2"]), "qmp-raw", 1)
    finally:
        qemu.stop()


def test_ping_pong_waiting_in_read_and_in_poll():
    for mode, name in ((None, "pingpong"), ("block", "pingpong"), ("poll", "pingpong-poll")):
        p = run([BIN / "rpc_bench", "pingpong", "0.2"] + ([mode] if mode else []))
        assert p.returncode == 0, p.stderr
        words = p.stdout.split()
        assert words[0] == name and words[-1] == "rt/s" and float(words[-2]) > 0, p.stdout
    p = run([BIN / "rpc_bench", "pingpong", "0.2", "spin"])
    assert p.returncode == 2 and "'spin'" in p.stderr and "poll" in p.stderr


def test_clear_errors(tmp_path):
    gone = tmp_path / "nothing.sock"
    p = run([BIN / "rpc_bench", "client", "test+unix:///default?socket=%s" % gone, "0.2", "2"])
    assert p.returncode == 1 and "cannot open" in p.stderr and str(gone) in p.stderr
    p = run([BIN / "libvirt_bench", "test+unix:///default?socket=%s" % gone, "0.2"])
    assert p.returncode == 1 and "cannot open" in p.stderr
    p = run([BIN / "qmp_bench", "raw", "unix:%s" % gone, "0.2"])
    assert p.returncode == 1 and str(gone) in p.stderr
    p = run([BIN / "rpc_bench", "client", "test:///default", "soon"])
    assert p.returncode == 2 and "SECONDS" in p.stderr
    p = run([BIN / "libvirt_bench", "test:///default", "1", "0"])
    assert p.returncode == 2 and "CLIENTS" in p.stderr
    p = run(["bash", REPO / "bench" / "run", "quick"])
    assert p.returncode == 2 and "--help" in p.stderr
    p = run([PY, REPO / "bench" / "replay_modes.py", "quick"])
    assert p.returncode == 2 and "--help" in p.stderr
    p = run([PY, REPO / "bench" / "libvirtd_guests.py", "--counts", "1,many"])
    assert p.returncode != 0 and "'1,many'" in p.stderr
    p = run([PY, REPO / "bench" / "idle_conns.py", tmp_path / "no-such-program", "2"])
    assert p.returncode == 1 and "cannot run" in p.stderr and "no-such-program" in p.stderr


def test_help_of_every_bench_program():
    for cmd in ([BIN / "rpc_bench"], [BIN / "libvirt_bench"], [BIN / "qmp_bench"],
                ["bash", REPO / "bench" / "run"], [PY, REPO / "bench" / "replay_modes.py"],
                [PY, REPO / "bench" / "idle_conns.py"], [PY, REPO / "bench" / "startup.py"],
                [PY, REPO / "bench" / "peers.py"], [PY, REPO / "bench" / "lookup_scale.py"],
                [PY, REPO / "bench" / "goals.py"], [PY, REPO / "bench" / "py_bench.py"],
                [PY, REPO / "bench" / "libvirtd_guests.py"],
                ["bash", REPO / "bench" / "call_cost.sh"]):
        p = run(cmd + ["--help"])
        assert p.returncode == 0 and p.stdout.strip(), (cmd, p.stdout, p.stderr)


def test_growth_part_on_a_small_state(tmp_path):
    env = dict(os.environ, BENCH_OUT=str(tmp_path))
    p = subprocess.run([PY, str(REPO / "bench" / "lookup_scale.py"), "--build", str(BUILD),
                        "--no-real", "--counts", "10,50", "--kinds",
                        "domains,networks,pools,volumes", "--seconds", "0.02"],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    rows = [line for line in p.stdout.splitlines() if line.startswith("fake ")]
    assert len(rows) == 8
    data = json.load(open(tmp_path / "scale.json"))
    for kind in ("domains", "networks", "pools", "volumes"):
        assert all(data["fake"][kind][n]["lookup"] > 0 for n in ("10", "50"))
    p = run([PY, REPO / "bench" / "goals.py", tmp_path])
    assert p.returncode == 0 and "not measured" in p.stdout


def test_replay_part_on_small_counts(tmp_path):
    """bench/replay_modes.py records through fake-libvirtd --record and replays the trace with
    every call matched (it fails otherwise), with small counts; then its growth part."""
    env = dict(os.environ, BENCH_OUT=str(tmp_path), REPLAY_CALLS="300", REPLAY_WINDOW="4",
               REPLAY_SCALE="100,200")
    p = subprocess.run([PY, str(REPO / "bench" / "replay_modes.py")], capture_output=True,
                       text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    for mode in ("raw socketpair echo", "fake-libvirtd model", "--replay (strict)",
                 "--replay unordered", "--record (to model)", "ratios (1 in flight)"):
        assert mode in p.stdout, p.stdout
    p = subprocess.run([PY, str(REPO / "bench" / "replay_modes.py"), "scale"],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    rows = [line.split() for line in open(tmp_path / "replay_scale.tsv")]
    assert [len(r) for r in rows] == [6, 6]
    assert 2 * 100 < int(rows[0][0]) < int(rows[1][0])      # calls, replies and the handshake


def test_idle_connections_part():
    p = run([PY, REPO / "bench" / "idle_conns.py", BIN / "fake-libvirtd", "20"])
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("idle connections: 20 open, daemon RSS")


def test_guests_through_a_real_libvirtd(tmp_path):
    """bench/libvirtd_guests.py with small counts: a private libvirtd 9.0 in podman (or the
    VW_LIBVIRTD_SOCK one) starts 1 and 2 fake-qemu guests and 1 real TCG guest, each found
    running with its emulator process measured, and removes every domain it defined (the
    script fails otherwise); goals.py reads the results."""
    sys.path.insert(0, str(REPO / "tests" / "integration"))
    import podman_libvirtd
    if not podman_libvirtd.available() and not os.environ.get("VW_LIBVIRTD_SOCK"):
        pytest.skip("no podman root filesystem and no VW_LIBVIRTD_SOCK")
    env = dict(os.environ, BENCH_OUT=str(tmp_path))
    p = subprocess.run([PY, str(REPO / "bench" / "libvirtd_guests.py"), "--build", str(BUILD),
                        "--counts", "1,2", "--real-counts", "1", "--clients", "2"],
                       capture_output=True, text=True, timeout=600, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    data = json.load(open(tmp_path / "libvirtd_guests.json"))
    got = [(r["emulator"], r["instances"]) for r in data["rows"]]
    assert got == [("fake-qemu", 1), ("fake-qemu", 2), ("qemu-system-x86_64", 1)]
    for r in data["rows"]:
        assert r["running_domains"] == r["instances"]
        assert r["pss_kib"] > 0 and r["start_ms_median"] > 0 and r["parallel_total_s"] > 0
    assert [r["instances"] for r in data["ratios"]] == [1] and data["ratios"][0]["pss"] > 0
    assert data["most_fake_guests_running"] == 2
    p = run([PY, REPO / "bench" / "goals.py", tmp_path])
    assert p.returncode == 0 and "PSS per TCG guest / per fake guest" in p.stdout, p.stdout


def test_both_ping_pongs_in_the_plot_and_the_goals(fake_libvirtd, fake_qemu, tmp_path,
                                                   monkeypatch):
    """Both raw ping-pongs (waiting in read(2) and in poll(2)), measured, are bars of
    peers.png next to our client against the fake, and goals.py shows our client's ratio to
    each: the goal's and the one beside it (not a goal)."""
    fake, fq = fake_libvirtd(), fake_qemu()
    res = {}
    for mode in ("pinned", "unpinned"):
        pinned = mode == "pinned"
        res[mode] = {key: peers.run([str(BIN / "rpc_bench"), "pingpong", "0.2"] +
                                    (["poll"] if key.endswith("poll") else []), pinned, 60)
                     for key, _ in peers.PING_PONGS}
        res[mode]["ours/fake/1"] = peers.run(
            peers.peer_cmd(str(BUILD), "ours", fake.socket, "0.2", "1"), pinned, 60)
    qmp = {"fake-qemu/%s/%s" % (how, mode): peers.run(
        [str(BIN / "qmp_bench"), how, fq.address, "0.2"], mode == "pinned", 60)
        for how in ("client", "raw") for mode in ("pinned", "unpinned")}
    monkeypatch.setenv("BENCH_OUT", str(tmp_path))
    peers.plot(res, qmp, ["ours"], [1])
    bars = {}
    for line in open(tmp_path / "peers.dat"):
        if line.startswith('"'):
            label, values = line[1:].split('" ')
            bars.setdefault(label, []).append(float(values.split()[0]))   # the "fake 1" column
    for _, label in list(peers.PING_PONGS) + [("ours", "our client")]:
        assert len(bars.get(label, [])) == 2 and min(bars[label]) > 0, bars   # pinned, unpinned
    assert (tmp_path / "peers.png").stat().st_size > 0
    peers.benchlib.save("peers", {"rpc": res})
    p = run([PY, REPO / "bench" / "goals.py", tmp_path])
    assert p.returncode == 0, p.stderr
    assert re.search(r"raw ping-pong \(waiting in read\(2\)\) >= 0\.67 +[\d.]+  (met|NOT MET)$",
                     p.stdout, re.M), p.stdout
    assert re.search(r"raw ping-pong waiting in poll\(2\) +[\d.]+  \(not a goal\)$", p.stdout,
                     re.M), p.stdout
    assert "the goal divides by the ping-pong waiting in read(2)" in p.stdout
