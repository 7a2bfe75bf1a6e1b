"""python3-libvirt's default event loop, for tests that register event callbacks.

libvirt has one default event implementation per process and it can be registered only before
the first connection that wants events, so every test module shares one loop: start_event_loop()
registers it and starts one daemon thread running it, the first time it is called; later calls
(from any module) return at once.
"""
import threading

__all__ = ["start_event_loop"]

_lock = threading.Lock()
_started = False


def start_event_loop():
    """Registers libvirt's default event loop and runs it in a daemon thread, once per process."""
    global _started
    import libvirt   # here, not at the top: the plugin itself does not need python3-libvirt
    with _lock:
        if _started:
            return
        libvirt.virEventRegisterDefaultImpl()

        def run():
            while True:
                libvirt.virEventRunDefaultImpl()
        threading.Thread(target=run, name="libvirt-events", daemon=True).start()
        _started = True
