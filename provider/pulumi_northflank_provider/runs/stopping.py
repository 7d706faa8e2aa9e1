"""Waits that end early when the plugin is told to stop.

The engine interrupts a plugin it is done with (a second Ctrl-C, or the end of a command): the
dynamic-provider host's main thread then stops its gRPC server and ends, while the worker thread
that follows a run would sleep on. Every wait of a create is cut into slices that check whether the
main thread is still alive, so that the plugin can say which run it leaves behind before it exits.
(The engine's first Ctrl-C sends Cancel, which the dynamic-provider host answers without telling
the provider: nothing can be done about that one there. The native plugin hears it: ``cancel``.)
"""

from __future__ import annotations

import threading
import time

#: How often a wait checks whether the plugin is stopping.
SLICE = 0.25


_told_to_stop = threading.Event()
_cancelled = threading.Event()
# Run when the interpreter shuts down, before it joins the worker threads (which would wait for a
# create to finish its whole wait). CPython's own thread pools hook in the same way; where the
# hook is missing, the main thread's end is seen instead (on Python >= 3.12 it ends first).
_hook = getattr(threading, "_register_atexit", None)
if _hook is not None:
    _hook(_told_to_stop.set)


class PluginStopping(Exception):
    """The plugin's host is shutting down: stop waiting, say what is left behind."""


def cancel() -> None:
    """The engine's Cancel (the first Ctrl-C, in the native plugin): every wait ends now."""
    _cancelled.set()


def stopping() -> bool:
    return _cancelled.is_set() or _told_to_stop.is_set() or not threading.main_thread().is_alive()


def why() -> str:
    """Who stopped the wait, as the first words of the message that says so."""
    if _cancelled.is_set():
        return "Pulumi cancelled the operation (Ctrl-C)"
    return "The Pulumi plugin was told to stop"


def pause(seconds: float) -> None:
    """Sleep ``seconds``, or raise ``PluginStopping`` as soon as the plugin is told to stop."""
    end = time.monotonic() + seconds
    while True:
        if stopping():
            raise PluginStopping
        remaining = end - time.monotonic()
        if remaining <= 0:
            return
        time.sleep(min(remaining, SLICE))


def acquire(lock: threading.Lock) -> None:
    """Take ``lock``, however long that takes, unless the plugin is told to stop first."""
    while not lock.acquire(timeout=SLICE):
        if stopping():
            raise PluginStopping
