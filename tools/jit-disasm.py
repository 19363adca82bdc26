#!/usr/bin/env python3
"""Disassembles one C2-compiled method from HotSpot's -XX:CompileCommand=print output without hsdis.

Without the hsdis plugin HotSpot prints a compiled method's machine code as hex ("[MachCode]" blocks). This script
takes the LAST C2 compile of the named method from such a log, joins its hex into a flat binary and runs
`objdump -b binary -m i386:x86-64 -D` on it (binutils), so the inner loop can be read (instruction mix: FMAs, loads,
broadcasts, range checks). Usage:

  java --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -XX:+UnlockDiagnosticVMOptions \
      -XX:CompileCommand=print,org.convnet4j.tensor.kernels.VectorGemm::microKernel8x3 \
      -cp convnet4j-bench/target/benchmarks.jar org.convnet4j.bench.QuickGemm 1024 > jit.log 2>&1
  python3 tools/jit-disasm.py jit.log microKernel8x3 > microKernel8x3.s
"""
import re
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 3:
        print("usage: jit-disasm.py LOG METHOD_NAME", file=sys.stderr)
        sys.exit(2)
    log, method = sys.argv[1], sys.argv[2]
    lines = open(log, encoding="utf-8", errors="replace").read().split("\n")
    start = None
    for i, line in enumerate(lines):
        if line.startswith("Compiled method (c2)") and ("::" + method + " (") in line:
            start = i
    if start is None:
        print(f"jit-disasm.py: no C2 compile of {method} in {log}", file=sys.stderr)
        sys.exit(2)
    data = bytearray()
    base = None
    for line in lines[start + 1:]:
        if line.startswith("Compiled method"):
            break
        m = re.match(r"\s+0x([0-9a-f]+): ([0-9a-f |]+)$", line)
        if m:
            addr = int(m.group(1), 16)
            if base is None:
                base = addr
            if addr - base < len(data):  # an annotation restates an address: continue from there
                del data[addr - base:]
            data += bytes.fromhex(m.group(2).replace("|", "").replace(" ", ""))
    if base is None:
        print(f"jit-disasm.py: the compile of {method} has no [MachCode] hex (hsdis loaded?)", file=sys.stderr)
        sys.exit(2)
    print("; " + lines[start])
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["objdump", "-b", "binary", "-m", "i386:x86-64", "-D", f"--adjust-vma={hex(base)}",
                              f.name], check=True, capture_output=True, text=True).stdout
    sys.stdout.write(out)


if __name__ == "__main__":
    main()
