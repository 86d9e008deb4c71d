#!/usr/bin/env python3
"""What durable writes cost per file on this machine's disk: 200 rounds of writing 2 KB to a
temporary, renaming it over the file, without and then with the two fsyncs numarun now does
(the temporary's, then its folder's). Usage: python3 bench/fsync-cost.py [FOLDER] (default
/var/tmp; a tmpfs would show nothing)."""

import os
import sys
import time

FOLDER = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "/var/tmp", "numarun-fsync-cost")
ROUNDS = 200


def per_file_ms(sync):
    started = time.perf_counter()
    for i in range(ROUNDS):
        path = os.path.join(FOLDER, f"f{i}")
        fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, b"x" * 2048)
        if sync:
            os.fsync(fd)
        os.close(fd)
        os.rename(path + ".tmp", path)
        if sync:
            folder = os.open(FOLDER, os.O_RDONLY)
            os.fsync(folder)
            os.close(folder)
    return (time.perf_counter() - started) / ROUNDS * 1000


os.makedirs(FOLDER, exist_ok=True)
for _ in range(2):
    print(f"without fsync {per_file_ms(False):.3f} ms/file, with both {per_file_ms(True):.3f} ms/file")
