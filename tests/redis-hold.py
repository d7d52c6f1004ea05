#!/usr/bin/env python3
"""A Redis proxy that can hold one kind of command, for race tests.

  redis-hold.py PORTFILE REDIS_PORT HOLDDIR

Listens on 127.0.0.1 (a free port, written to PORTFILE) and forwards
every connection to the Redis on 127.0.0.1:REDIS_PORT, both ways. While
the file HOLDDIR/hold exists, a client's command whose words begin with
those written in it (one a line, e.g. "SET" then "NX" matches any SET
with an NX) is kept back, with everything that client sends after it,
and HOLDDIR/held is created; once HOLDDIR/hold is removed, what was kept
goes on, in order. Replies are never held.
"""
import os
import socket
import sys
import threading
import time


def parse_command(buf):
    """One RESP array of bulk strings from buf: (words, length) or None."""
    if not buf.startswith(b"*"):
        end = buf.find(b"\r\n")  # an inline command
        return (buf[:end].split(), end + 2) if end >= 0 else None
    end = buf.find(b"\r\n")
    if end < 0:
        return None
    n, pos, words = int(buf[1:end]), end + 2, []
    for _ in range(n):
        end = buf.find(b"\r\n", pos)
        if end < 0 or buf[pos:pos + 1] != b"$":
            return None
        size = int(buf[pos + 1:end])
        if len(buf) < end + 2 + size + 2:
            return None
        words.append(buf[end + 2:end + 2 + size])
        pos = end + 2 + size + 2
    return words, pos


def held_words(holddir):
    """The words a held command has (uppercase), or None: nothing held."""
    try:
        with open(os.path.join(holddir, "hold"), encoding="ascii") as f:
            return [w.strip().upper().encode() for w in f if w.strip()]
    except FileNotFoundError:
        return None


def matches(words, pattern):
    upper = [w.upper() for w in words]
    return bool(upper) and upper[0] == pattern[0] and \
        all(p in upper[1:] for p in pattern[1:])


def upstream(client, server):
    """Replies, as they come."""
    try:
        while True:
            data = server.recv(65536)
            if not data:
                break
            client.sendall(data)
    except OSError:
        pass
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def downstream(client, server, holddir):
    """Commands, one at a time, each held while it matches the hold."""
    buf = b""
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            buf += data
            while (cmd := parse_command(buf)) is not None:
                words, length = cmd
                pattern = held_words(holddir)
                if pattern and matches(words, pattern):
                    open(os.path.join(holddir, "held"), "w").close()
                    while held_words(holddir) is not None:
                        time.sleep(0.01)
                server.sendall(buf[:length])
                buf = buf[length:]
    except OSError:
        pass
    try:
        server.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    portfile, redis_port, holddir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    with open(portfile + ".tmp", "w", encoding="ascii") as f:
        f.write(str(listener.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    while True:
        client, _ = listener.accept()
        server = socket.create_connection(("127.0.0.1", redis_port))
        for target, args in ((downstream, (client, server, holddir)),
                             (upstream, (client, server))):
            threading.Thread(target=target, args=args, daemon=True).start()


if __name__ == "__main__":
    main()
