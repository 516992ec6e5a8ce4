"""Generates test trees in a guest (no downloads).

gentree.py files DIR N  — N small files in nested directories, with varied modes, sizes
                          and mtimes, a few symlinks, empty files and an empty directory.
gentree.py csrc DIR N   — a C program of N units plus a Makefile; `expected` holds what
                          ./prog prints.
"""

import os
import random
import sys


def files(root, n):
    rnd = random.Random(1234)
    os.makedirs(root)
    os.makedirs(os.path.join(root, "empty-dir"))
    for i in range(n):
        d = os.path.join(root, f"d{i % 17}", f"e{i % 5}")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, f"file-{i}.txt")
        size = rnd.choice([0, 1, 100, 4095, 4096, 4097, 30000])
        with open(path, "wb") as f:
            f.write(rnd.randbytes(size))
        os.chmod(path, rnd.choice([0o644, 0o600, 0o755, 0o444]))
        t = 1_600_000_000 + rnd.randrange(10**7)
        os.utime(path, (t, t))
        if i % 97 == 0:
            os.symlink(f"file-{i}.txt", os.path.join(d, f"link-{i}"))


def csrc(root, n):
    os.makedirs(root)
    total = 0
    for i in range(1, n + 1):
        with open(os.path.join(root, f"util{i}.c"), "w") as f:
            f.write(f"int util{i}(int x) {{ return x * {i} + {i % 7}; }}\n")
        total += 3 * i + i % 7
    with open(os.path.join(root, "main.c"), "w") as f:
        f.write("#include <stdio.h>\n")
        for i in range(1, n + 1):
            f.write(f"int util{i}(int);\n")
        f.write("int main(void) {\n  long s = 0;\n")
        for i in range(1, n + 1):
            f.write(f"  s += util{i}(3);\n")
        f.write('  printf("%ld\\n", s);\n  return 0;\n}\n')
    objs = " ".join(["main.o"] + [f"util{i}.o" for i in range(1, n + 1)])
    with open(os.path.join(root, "Makefile"), "w") as f:
        f.write(f"OBJS = {objs}\n"
                "prog: $(OBJS)\n\tcc -o $@ $(OBJS)\n"
                "%.o: %.c\n\tcc -c -O0 -o $@ $<\n"
                "clean:\n\trm -f prog $(OBJS)\n")
    with open(os.path.join(root, "expected"), "w") as f:
        f.write(f"{total}\n")


if __name__ == "__main__":
    {"files": files, "csrc": csrc}[sys.argv[1]](sys.argv[2], int(sys.argv[3]))
