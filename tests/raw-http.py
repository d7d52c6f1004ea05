#!/usr/bin/env python3
"""Send bytes to an HTTP server as they are and print what comes back.

  raw-http.py HOST PORT REQUEST

REQUEST is a Python bytes literal body (escapes allowed, e.g.
'GET /x HTTP/1.1\\r\\nHost: a\\r\\nConnection: close\\r\\n\\r\\n'). The answer is
read until the server closes the connection (10 s at most) and written to
stdout as it came.
"""
import ast
import socket
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    request = ast.literal_eval("b'" + argv[2].replace("'", "\\'") + "'")
    with socket.create_connection((argv[0], int(argv[1])), timeout=10) as s:
        s.sendall(request)
        chunks = []
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except (socket.timeout, ConnectionResetError):
            pass
    sys.stdout.buffer.write(b"".join(chunks))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
