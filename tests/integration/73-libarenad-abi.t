#!/usr/bin/env python3
# libarenad's ABI: the shared library exports exactly what lib/libarenad.map
# lists, all in the release's version node, every one declared LIBARENAD_API
# in arenad.h and the other way round, nothing without the arenad_ prefix;
# and a loader that only reuses the arena links the static library without
# json-c (the socket code is in objects of its own).
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
so = os.path.join(at.BUILD, "libarenad.so")
with open(os.path.join(at.REPO, "lib", "libarenad.map")) as f:
    mapfile = f.read()
with open(os.path.join(at.REPO, "include", "arenad", "arenad.h")) as f:
    header = f.read()

nodes = re.findall(r"^([\w.]+)\s*\{", mapfile, re.M)
t.eq(len(nodes), 1, "one version node per release (%s)" % nodes)
listed = set(re.findall(r"^\s+(\w+);", mapfile, re.M))
t.ok("*" not in mapfile.split("local:")[0], "the global list names symbols, no glob")

nm = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True, text=True)
t.eq(nm.returncode, 0, "nm -D reads %s" % so)
exported, versions = set(), set()
for line in nm.stdout.splitlines():
    parts = line.split()
    if len(parts) != 3 or parts[1] == "A":
        continue
    name, _, ver = parts[2].partition("@@")
    exported.add(name)
    versions.add(ver)
t.eq(sorted(exported - listed), [], "nothing exported that the map does not list")
t.eq(sorted(listed - exported), [], "everything the map lists is exported")
t.eq(sorted(versions), nodes, "every export is in the release's node")
t.eq(sorted(s for s in exported if not s.startswith("arenad_")), [],
     "no exported symbol without the arenad_ prefix (proto_*, libarenad_* stay inside)")

declared = set(re.findall(r"LIBARENAD_API\s[^;{]*?\b(arenad_\w+)\s*\(", header))
t.eq(sorted(declared ^ listed), [], "arenad.h's LIBARENAD_API declarations and the map agree")

# A reuse-only loader, linked statically: no json-c needed, none pulled in.
pc = subprocess.run(["pkg-config", "--variable=libdir", "libbpf"], capture_output=True, text=True)
libbpf_a = os.path.join(pc.stdout.strip(), "libbpf.a")
with tempfile.TemporaryDirectory() as d:
    src, exe = os.path.join(d, "reuse_only.c"), os.path.join(d, "reuse_only")
    with open(src, "w") as f:
        f.write('#include <arenad.h>\n#include <bpf/libbpf.h>\n'
                'int main(int argc, char **argv)\n{\n'
                '\tARENAD_OPTS(arenad_reuse_opts, o);\n'
                '\tstruct bpf_object *obj = bpf_object__open(argv[1]);\n'
                '\tstruct arenad_pins *p = arenad_pins__open(NULL);\n'
                '\tarenad_pins__close(p);\n'
                '\treturn arenad_reuse(obj, &o) || !arenad_map_arena(obj, NULL) ||\n'
                '\t       !arenad_map_pinned_arena(NULL, NULL) || arenad_errmsg()[0];\n}\n')
    r = subprocess.run(["cc", "-I" + os.path.join(at.REPO, "include", "arenad"), "-o", exe, src,
                        os.path.join(at.BUILD, "libarenad.a"), libbpf_a, "-lelf", "-lz"],
                       capture_output=True, text=True)
    t.ok(r.returncode == 0, "arenad_reuse/arenad_map_*/arenad_pins__* link statically without json-c")
    if r.returncode:
        t.diag(r.stderr[-2000:])
    else:
        syms = subprocess.run(["nm", exe], capture_output=True, text=True).stdout
        t.eq(sorted(set(re.findall(r"\b(json_\w+|proto_\w+|arenad_client_\w+)", syms))), [],
             "and pull in no json-c, protocol or socket code")
t.done()
