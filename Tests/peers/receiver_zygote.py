#!/usr/bin/env python3
"""A pre-loaded fhir_receiver.py that forks a receiver per request (one per test process; issue 16).

A strict receiver spends ≈ 0.3 of its ≈ 0.4 CPU-seconds of start-up importing `fhir.resources` and building the
PHD validators (phd_conformance.py). This process does that once and forks a receiver for each connection to
its control socket, so each receiver starts with everything loaded.

Protocol: on start it prints one JSON line, {"socket": NAME}, NAME being an abstract Unix socket (Linux; no
file to clean up). A client connects to it and sends one line, the receiver's command-line arguments as a JSON
array of strings. The forked receiver runs fhir_receiver.main with them and sends its announcement line (as
fhir_receiver.py prints it) on that connection. The connection is the receiver's life line: when the client
closes it (or dies), the receiver exits at once. If the receiver cannot start (bad arguments, strict mode without
fhir.resources), the connection closes without an announcement.

This process exits when its stdin reaches end of file or its parent changes (the test process ended). It starts
no thread: fork copies only the calling thread, and a lock some other thread held would stay locked in the child.
"""

import gc
import json
import os
import select
import signal
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fhir_receiver  # noqa: E402

try:
    # As fhir_receiver.main does in strict mode, once for every receiver to come. Without fhir.resources the
    # zygote still serves non-strict receivers; a strict one then fails the way fhir_receiver.py would.
    from phd_conformance import bundle_violations  # noqa: E402
    bundle_violations({"entry": [{"resource": {"resourceType": name}} for name in ("Observation", "Device", "Flag", "Task")]})
except ImportError:
    pass

# How often the loop looks whether the parent is gone even though stdin stays open (a descendant of the test
# process may hold the write end): this process never runs test code, so rarely is enough.
PARENT_CHECK_SECONDS = 2.0


def reap(*_):
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def read_request(connection):
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(4096)
        if not chunk:
            raise EOFError("the client hung up before its request")
        data += chunk
    arguments = json.loads(data)
    if not isinstance(arguments, list) or not all(isinstance(argument, str) for argument in arguments):
        raise ValueError("the request must be a JSON array of strings")
    return arguments


def exit_when_dropped(connection):
    """The receiver's life line: the client never sends anything after its request, so any return of recv
    (end of file when it closed the connection or died, or a stray byte) ends the receiver."""
    try:
        connection.recv(1)
    finally:
        os._exit(0)


def run_receiver(connection, listener):
    """In the forked child: never returns into the zygote's loop."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        listener.close()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.close(null)
        arguments = read_request(connection)
        threading.Thread(target=exit_when_dropped, args=(connection,), daemon=True).start()
        fhir_receiver.main(arguments, announce=lambda line: connection.sendall(line.encode() + b"\n"))
    finally:
        os._exit(1)


def main():
    parent = os.getppid()
    # Ignored by default: a SIGCHLD handler makes the kernel interrupt select, and reaping happens in it.
    signal.signal(signal.SIGCHLD, reap)
    # As fhir_receiver.main: Foundation.Process passes on a mask that blocks them.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGCHLD})
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    name = f"dho-receiver-zygote-{os.getpid()}-{os.urandom(6).hex()}"
    listener.bind("\0" + name)
    listener.listen(128)
    print(json.dumps({"socket": name}), flush=True)
    # Receivers print nothing on stdout; the test process reads only the line above.
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    if threading.active_count() != 1:
        raise SystemExit("receiver_zygote: a thread was started before fork")
    # The loaded modules stay shared with the receivers: keep the collector from touching (copying) them.
    gc.freeze()
    while True:
        readable, _, _ = select.select([listener, 0], [], [], PARENT_CHECK_SECONDS)
        if 0 in readable and not os.read(0, 4096):
            return
        if os.getppid() != parent:
            return
        if listener in readable:
            connection, _ = listener.accept()
            if os.fork() == 0:
                run_receiver(connection, listener)
            connection.close()


if __name__ == "__main__":
    main()
