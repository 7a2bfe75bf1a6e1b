"""A raw QMP line client: for tests that send what no QMP library sends (broken JSON, odd ids,
commands before the capabilities) and read the messages exactly as they arrive.

    from pytest_virtwire.qmp import QmpLine
    with QmpLine(fake.socket) as q:
        q.negotiate()                       # greeting, qmp_capabilities
        events, reply = q.cmd("query-status")
        lines = q.call(b'{"execute": "stop", "id": [1]}')   # raw lines up to the reply
"""
import json
import os
import select
import socket
import time

__all__ = ["QmpLine"]

CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 10.0


class QmpLine:
    """A raw QMP connection on a unix socket: send bytes (or a dict as one JSON line), read
    CRLF-terminated JSON messages, every read bounded by a timeout. The greeting is left unread:
    greeting() or negotiate() take it."""

    def __init__(self, path, timeout=CONNECT_TIMEOUT, double_greeting_ok=False,
                 read_timeout=READ_TIMEOUT, read_greeting=False):
        # Real QEMU 7.2 sometimes greets twice a client that connected while it was starting
        # (its chardev replays the "opened" event); tolerated for real QEMU only.
        self.double_greeting_ok = double_greeting_ok
        deadline = time.monotonic() + timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(os.fspath(path))
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        self.buf = bytearray()
        self.scanned = 0          # bytes of buf known to hold no newline
        self.messages_seen = 0
        self.raw_lines = []
        self.eof = False
        self.read_timeout = read_timeout
        # read_greeting: the greeting line is read at once, kept as bytes without its line end
        self.greeting_bytes = self.line() if read_greeting else None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        """Bytes or text as they are; a dict or list as one JSON line (CRLF)."""
        if isinstance(data, (dict, list)):
            data = json.dumps(data) + "\r\n"
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return False
        try:
            chunk = self.sock.recv(1 << 20)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf.extend(chunk)
        return True

    def recv_line(self, timeout=None):
        timeout = self.read_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            pos = self.buf.find(b"\n", self.scanned)
            if pos >= 0:
                break
            self.scanned = len(self.buf)
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                raise TimeoutError(f"no complete message (eof={self.eof}, "
                                   f"buffered={bytes(self.buf[:200])!r})")
            self._fill(left)
        line = bytes(self.buf[:pos + 1])
        del self.buf[:pos + 1]
        self.scanned = 0
        self.raw_lines.append(line)
        return line

    def recv(self, timeout=None):
        timeout = self.read_timeout if timeout is None else timeout
        while True:
            line = self.recv_line(timeout)
            assert line.endswith(b"\r\n"), f"message does not end in CRLF: {line!r}"
            msg = json.loads(line)
            self.messages_seen += 1
            # the replayed greeting can land after the next reply when the machine is busy
            if self.double_greeting_ok and self.messages_seen > 1 and "QMP" in msg:
                continue
            return msg

    def recv_n(self, n, timeout=None):
        timeout = self.read_timeout if timeout is None else timeout
        return [self.recv(timeout) for _ in range(n)]

    def recv_reply(self, timeout=None):
        """Messages up to and including the next non-event; returns (events, reply)."""
        timeout = self.read_timeout if timeout is None else timeout
        events = []
        while True:
            msg = self.recv(timeout)
            if "event" in msg:
                events.append(msg)
            else:
                return events, msg

    def quiet(self, wait=0.3):
        """True when nothing arrives within `wait` seconds (for 'no reply' checks)."""
        if self.buf:
            return False
        return not self._fill(wait) and not self.eof

    def wait_eof(self, timeout=None):
        timeout = self.read_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._fill(left)
        return True

    def greeting(self):
        msg = self.recv()
        # real QEMU only: an event meant for a previous client may come before the greeting
        while self.double_greeting_ok and "event" in msg and "QMP" not in msg:
            msg = self.recv()
        assert "QMP" in msg, f"expected the greeting, got {msg!r}"
        return msg

    def negotiate(self, oob=False):
        self.greeting()
        args = {"enable": ["oob"]} if oob else {}
        self.send(json.dumps({"execute": "qmp_capabilities", "arguments": args}))
        assert self.recv() == {"return": {}}

    def cmd(self, name, arguments=None, **extra):
        msg = {"execute": name}
        if arguments is not None:
            msg["arguments"] = arguments
        msg.update(extra)
        self.send(json.dumps(msg))
        return self.recv_reply()

    # ---- shorthands for the tests that work on raw lines ----
    def line(self, timeout=None):
        """The next line as bytes, without its line end (CRLF, or a bare LF)."""
        timeout = self.read_timeout if timeout is None else timeout
        line = self.recv_line(timeout)
        return line[:-2] if line.endswith(b"\r\n") else line[:-1]

    def call(self, cmd_bytes, timeout=None):
        """Sends one command (bytes, CRLF added); returns every line (bytes, no line end) up to
        and including its reply or error."""
        timeout = self.read_timeout if timeout is None else timeout
        self.send(cmd_bytes + b"\r\n")
        lines = []
        while True:
            lines.append(self.line(timeout))
            msg = json.loads(lines[-1])
            if "return" in msg or "error" in msg:
                return lines

    def reply(self, data, timeout=None):
        """Sends data (bytes as they are, or a dict); returns the reply (events skipped)."""
        timeout = self.read_timeout if timeout is None else timeout
        self.send(data)
        return self.recv_reply(timeout)[1]

    def request(self, obj, timeout=None):
        """Sends obj as one JSON line; returns the next message (reply or event)."""
        timeout = self.read_timeout if timeout is None else timeout
        self.send(obj)
        return self.recv(timeout)

    def closed_by_peer(self, timeout=None):
        """True when the peer closes the connection (or resets it) before sending anything
        more within timeout; False when bytes arrive."""
        timeout = self.read_timeout if timeout is None else timeout
        if self.buf:
            return False
        return not self._fill(timeout) and self.eof

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
