"""The client of a fake's admin socket (newline-delimited JSON, docs/admin-protocol.md)."""
import json
import socket
import time

__all__ = ["AdminClient", "AdminError"]


class AdminError(Exception):
    """The fake answered a request with "ok": false."""


class AdminClient:
    """A client of a fake's admin socket (newline-delimited JSON, docs/admin-protocol.md)."""

    def __init__(self, path, timeout=10.0):
        self.path = path
        self.timeout = timeout
        self._sock = None
        self._buf = b""

    def _connect(self):
        if self._sock is None:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(self.timeout)
            s.connect(self.path)
            self._sock = s
            self._buf = b""

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def request(self, op, **members):
        """Sends {"op": op, ...members}; returns the reply, raises AdminError if not ok."""
        self._connect()
        req = dict(members)
        req["op"] = op
        self._sock.sendall(json.dumps(req).encode() + b"\n")
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self._buf:
            if time.monotonic() > deadline:
                raise TimeoutError("admin socket %s: no reply to %r" % (self.path, op))
            chunk = self._sock.recv(65536)
            if not chunk:
                self.close()
                raise ConnectionError("admin socket %s closed the connection" % self.path)
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        reply = json.loads(line)
        if not reply.get("ok"):
            raise AdminError("%s: %s" % (op, reply.get("error", reply)))
        return reply

    # ---- operations ----
    def ping(self):
        return self.request("ping")

    def add_stubs(self, stubs):
        """Adds stubs (a list, or one stub dict); returns their ids."""
        if isinstance(stubs, dict):
            stubs = [stubs]
        return self.request("add_stubs", stubs=stubs)["ids"]

    def remove_stubs(self, ids):
        if isinstance(ids, str):
            ids = [ids]
        return self.request("remove_stubs", ids=list(ids))

    def list_stubs(self):
        return self.request("list_stubs")["stubs"]

    def clear_stubs(self):
        return self.request("clear_stubs")

    def reset(self):
        """Stubs back to the scenario file's, states to Started, journal emptied, model reset."""
        return self.request("reset")

    def set_faults(self, faults):
        return self.request("set_faults", faults=faults)

    def get_state(self):
        return self.request("get_state")["states"]

    def set_state(self, scenario, state):
        return self.request("set_state", scenario=scenario, state=state)

    def reset_states(self, scenario=None):
        """Every scenario (or only the one named) back to "Started"."""
        if scenario is None:
            return self.request("reset_states")
        return self.request("reset_states", scenario=scenario)

    def journal(self, **filters):
        """The journal; filters: procedure= / command=, program=, args= / arguments=, conn=,
        limit=."""
        return self.request("journal", **filters)

    def reset_journal(self):
        return self.request("reset_journal")

    def calls(self, name=None, args=None):
        """The journal entries of calls named name (all when None) whose arguments contain
        args (a subset pattern)."""
        filters = {}
        if name is not None:
            filters[self._name_key()] = name
        if args is not None:
            filters[self._args_key()] = args
        return self.journal(**filters)["entries"]

    def _protocol(self):
        if not hasattr(self, "_proto"):
            self._proto = self.ping().get("protocol", "libvirt")
        return self._proto

    def _name_key(self):
        return "command" if self._protocol() == "qmp" else "procedure"

    def _args_key(self):
        return "arguments" if self._protocol() == "qmp" else "args"

    def assert_called(self, name, times=None, args=None, at_least=None):
        """Asserts that calls named name (procedure or QMP command), with arguments containing
        args, were received: exactly times times, or at least at_least (default: at least
        once). Returns the matching journal entries."""
        entries = self.calls(name, args)
        n = len(entries)
        if times is not None:
            ok = n == times
            want = "exactly %d" % times
        else:
            least = 1 if at_least is None else at_least
            ok = n >= least
            want = "at least %d" % least
        if not ok:
            everything = self.journal()
            seen = self.calls(name)
            last = seen[-1]["args"] if seen else None
            raise AssertionError(
                "%s%s: expected %s call(s), got %d; %d call(s) of %s with any arguments "
                "(last arguments: %s); calls received: %s"
                % (name, "" if args is None else " with arguments %s" % json.dumps(args), want,
                   n, len(seen), name, json.dumps(last), json.dumps(everything["counts"])))
        return entries

    def assert_not_called(self, name, args=None):
        self.assert_called(name, times=0, args=args)
