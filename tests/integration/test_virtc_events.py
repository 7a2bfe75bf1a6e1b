"""`virtc event --loop --timeout S` against a real libvirtd, next to `virsh event` on the same events.

Both listeners run while this process defines, starts, suspends, resumes, destroys and undefines
a domain. Before the real actions, a marker domain is defined and undefined until both listeners
have printed its events, so both are known to be registered (no sleeps as synchronisation).
"""
import queue
import subprocess
import threading
import time

from conftest import VIRSH, VIRTC, _clean_env, domain_xml, run_virsh, unique_name

LISTEN_SECONDS = 5


class Listener:
    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=_clean_env(), bufsize=1)
        self.lines = queue.Queue()
        self.seen = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def drain(self):
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return
            if line is not None:
                self.seen.append(line)

    def finish(self):
        try:
            self.proc.wait(timeout=LISTEN_SECONDS + 30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("%s did not stop after its --timeout" % self.proc.args)
        self.reader.join(timeout=10)
        self.drain()
        return self.proc.returncode, self.proc.stderr.read()


def lifecycle_lines(lines, name):
    prefix = "event 'lifecycle' for domain '%s': " % name
    return [l[len(prefix):] for l in lines if l.startswith(prefix)]


def test_event_loop_matches_virsh(test_uri, virtc_bin, tmp_path):
    name = unique_name("ev")
    marker = unique_name("evm")
    path = domain_xml("test-domain.xml", name, tmp_path)
    marker_path = domain_xml("test-domain.xml", marker, tmp_path)
    mine = Listener([str(VIRTC), "-c", test_uri, "event", "--loop",
                     "--timeout", str(LISTEN_SECONDS)])
    theirs = Listener([VIRSH, "-c", test_uri, "event", "--loop", "--event", "lifecycle",
                       "--timeout", str(LISTEN_SECONDS)])
    try:
        # wait until both listeners report the marker (bounded: both exit after the timeout)
        deadline = time.monotonic() + LISTEN_SECONDS + 30
        while time.monotonic() < deadline:
            run_virsh(["define", marker_path], test_uri)
            run_virsh(["undefine", marker], test_uri)
            mine.drain()
            theirs.drain()
            if (lifecycle_lines(mine.seen, marker) and lifecycle_lines(theirs.seen, marker)) or \
                    mine.proc.poll() is not None or theirs.proc.poll() is not None:
                break
            time.sleep(0.1)
        for cmd in (["define", path], ["start", name], ["suspend", name], ["resume", name],
                    ["destroy", name], ["undefine", name]):
            out = run_virsh(cmd, test_uri)
            assert out.returncode == 0, out.stderr
    finally:
        run_virsh(["destroy", name], test_uri)
        run_virsh(["undefine", name], test_uri)
        rc_mine, err_mine = mine.finish()
        rc_theirs, err_theirs = theirs.finish()

    assert rc_theirs == 0, err_theirs
    assert rc_mine == 0, "virtc event failed (%d): %s" % (rc_mine, err_mine)
    assert lifecycle_lines(mine.seen, marker), "virtc printed no event for the marker: %s" % mine.seen
    expected = ["Defined Added", "Started Booted", "Suspended Paused", "Resumed Unpaused",
                "Stopped Destroyed", "Undefined Removed"]
    assert lifecycle_lines(theirs.seen, name) == expected
    assert lifecycle_lines(mine.seen, name) == expected
    # the closing lines are virsh's too
    assert mine.seen[-2:][0] == "event loop timed out"
    count = sum(1 for l in mine.seen if l.startswith("event 'lifecycle'"))
    assert mine.seen[-1] == "events received: %d" % count


def test_event_timeout_without_events(test_uri, virtc_bin):
    # a URI on which nothing happens to our names: only the closing lines are checked
    out = subprocess.run([str(VIRTC), "-c", test_uri, "event", "--loop", "--timeout", "1"],
                         capture_output=True, text=True, timeout=60, env=_clean_env())
    assert out.returncode == 0, out.stderr
    lines = out.stdout.rstrip("\n").split("\n")
    assert lines[-2] == "event loop timed out"
    assert lines[-1].startswith("events received: ")


def test_event_bad_timeout_is_usage_error(test_uri, virtc_bin):
    for bad in ("abc", "-1", "0", "99999999999"):
        out = subprocess.run([str(VIRTC), "-c", test_uri, "event", "--loop", "--timeout", bad],
                             capture_output=True, text=True, timeout=60, env=_clean_env())
        assert out.returncode == 2, (bad, out.stdout, out.stderr)
        assert out.stderr.startswith("error: ") and "timeout" in out.stderr, out.stderr


def wait_for_marker(listeners, test_uri, marker, marker_path):
    """Defines/undefines MARKER until every listener printed an event for it (or exited)."""
    deadline = time.monotonic() + LISTEN_SECONDS + 30
    while time.monotonic() < deadline:
        run_virsh(["define", marker_path], test_uri)
        run_virsh(["undefine", marker], test_uri)
        for l in listeners:
            l.drain()
        if all(lifecycle_lines(l.seen, marker) or l.proc.poll() is not None for l in listeners):
            return
        time.sleep(0.1)


def test_event_one_shot(test_uri, virtc_bin, tmp_path):
    """Without --loop, virtc stops after the first event, as virsh does."""
    marker = unique_name("evo")
    marker_path = domain_xml("test-domain.xml", marker, tmp_path)
    mine = Listener([str(VIRTC), "-c", test_uri, "event", "--timeout", "30"])
    try:
        wait_for_marker([mine], test_uri, marker, marker_path)
    finally:
        run_virsh(["undefine", marker], test_uri)
        rc, err = mine.finish()
    assert rc == 0, err
    events = [l for l in mine.seen if l.startswith("event 'lifecycle'")]
    # the listener may register between a define and its undefine (a slow start under ASan),
    # so its one event is either of the pair
    assert len(events) == 1, events
    assert events[0] in ["event 'lifecycle' for domain '%s': %s" % (marker, what)
                         for what in ("Defined Added", "Undefined Removed")], events
    assert mine.seen[-1] == "events received: 1"
    assert "event loop timed out" not in mine.seen


def test_event_domain_filter(test_uri, virtc_bin, tmp_path):
    """--domain DOM: only that domain's events (the server filters them)."""
    watched = unique_name("evw")
    other = unique_name("evx")
    watched_path = domain_xml("test-domain.xml", watched, tmp_path)
    other_path = domain_xml("test-domain.xml", other, tmp_path)
    assert run_virsh(["define", watched_path], test_uri).returncode == 0
    mine = Listener([str(VIRTC), "-c", test_uri, "event", "--loop", "--domain", watched,
                     "--timeout", str(LISTEN_SECONDS)])
    try:
        # synchronise on the watched domain itself: start/destroy until an event shows up
        deadline = time.monotonic() + LISTEN_SECONDS + 30
        while time.monotonic() < deadline and mine.proc.poll() is None:
            run_virsh(["start", watched], test_uri)
            run_virsh(["destroy", watched], test_uri)
            mine.drain()
            if lifecycle_lines(mine.seen, watched):
                break
            time.sleep(0.1)
        assert run_virsh(["define", other_path], test_uri).returncode == 0
        assert run_virsh(["undefine", other], test_uri).returncode == 0
        assert run_virsh(["start", watched], test_uri).returncode == 0
    finally:
        run_virsh(["destroy", watched], test_uri)
        run_virsh(["undefine", watched], test_uri)
        run_virsh(["undefine", other], test_uri)
        rc, err = mine.finish()
    assert rc == 0, err
    # the last start, then the cleanup's destroy and undefine
    assert lifecycle_lines(mine.seen, watched)[-3:] == ["Started Booted", "Stopped Destroyed",
                                                        "Undefined Removed"]
    assert lifecycle_lines(mine.seen, other) == []
    assert all(l.startswith("event 'lifecycle' for domain '%s'" % watched)
               for l in mine.seen if l.startswith("event '"))
