#!/usr/bin/env python3
# Shell completion: the bash script, sourced into a real bash, completes
# commands, options (also after global options, which may stand anywhere)
# and, from the daemon, owners, allocation names and addresses; the zsh
# script parses and completes the same through zsh's own completion
# system (driven in a pseudo-terminal by zsh/zpty). Both come from
# `make install` too.
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
BASH_SCRIPT = os.path.join(at.REPO, "client", "complete", "arenactl-client.bash")
ZSH_SCRIPT = os.path.join(at.REPO, "client", "complete", "_arenactl-client")


def bash_complete(line, sock=None):
    """COMPREPLY for the line (completing its last word; a trailing space
    starts a new word), from the script sourced into bash."""
    words = line.split(" ")
    script = r'''
source "$1"
complete -p arenactl-client >/dev/null || exit 9
shift
COMP_WORDS=("$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
_arenactl_client
printf '%s\n' "${COMPREPLY[@]}"
'''
    env = dict(os.environ, PATH=os.path.dirname(at.CLIENT) + ":" + os.environ["PATH"])
    env.pop("ARENAD_SOCKET", None)
    if sock:
        env["ARENAD_SOCKET"] = sock
    r = subprocess.run(["bash", "--norc", "-c", script, "bash", BASH_SCRIPT] + words,
                       capture_output=True, text=True, timeout=at.scaled(30), env=env)
    if r.returncode:
        t.diag("bash: rc %d %s" % (r.returncode, r.stderr))
    return sorted(w for w in r.stdout.split("\n") if w)


with at.Fixture(t, pages=64) as fx:
    fx.result("alloc", {"pages": 2, "owner": "compl-owner-a", "name": "compl-name-1"})
    b = fx.result("alloc", {"pages": 1, "owner": "compl-second-b"})
    S = "--socket " + fx.socket

    got = bash_complete("arenactl-client ")
    t.ok({"query", "stats", "alloc", "free", "ranges", "lookup", "scan", "map", "top", "ping",
          "version", "help"} <= set(got) and "complete" not in got,
         "bash: every command, the hidden helper not (%s)" % " ".join(got))
    t.eq(bash_complete("arenactl-client que"), ["query"], "bash: a prefix completes a command")
    t.eq(bash_complete("arenactl-client qu"), ["query", "quota"], "bash: ... or lists those it fits")
    t.eq(bash_complete("arenactl-client quota "), ["get", "list", "set"], "bash: quota's subcommands")
    t.eq(bash_complete("arenactl-client quota set --"), ["--default", "--help", "--json", "--owner",
                                                          "--pin-dir", "--pretty", "--socket", "--uid"],
         "bash: quota's options, each once")
    t.eq(bash_complete("arenactl-client -j to"), ["top"], "bash: after a global option too")
    got = bash_complete("arenactl-client alloc 4 --")
    t.ok({"--owner", "--name", "--addr", "--help", "--json", "--socket"} <= set(got),
         "bash: a command's options and the global ones (%s)" % " ".join(got))
    t.eq(bash_complete("arenactl-client top --i"), ["--interval"], "bash: top --interval")
    t.eq(bash_complete("arenactl-client map --w"), ["--width"], "bash: map --width")
    t.eq(bash_complete("arenactl-client scan --method "), ["full", "kmod", "rt"], "bash: census methods")
    t.eq(bash_complete("arenactl-client help al"), ["alloc"], "bash: help takes a command")
    got = bash_complete("arenactl-client %s ranges --owner compl-" % S)
    t.eq(got, ["compl-owner-a", "compl-second-b"], "bash: owners from the daemon named by --socket")
    got = bash_complete("arenactl-client ranges --owner compl-", sock=fx.socket)
    t.eq(got, ["compl-owner-a", "compl-second-b"], "bash: ... or by $ARENAD_SOCKET")
    t.eq(bash_complete("arenactl-client %s lookup compl" % S), ["compl-name-1"],
         "bash: allocation names from the daemon")
    got = bash_complete("arenactl-client %s -j free 0x" % S)
    t.ok(b["addr"] in got and len(got) == 2, "bash: free completes the allocations' addresses")
    mid = str(fx.result("stats")["map_id"])
    t.ok(mid in bash_complete("arenactl-client %s map --map-id " % S),
         "bash: map --map-id completes the host's arena ids (the managed one: %s)" % mid)
    t.eq(bash_complete("arenactl-client --socket %s/none lookup " % fx.dir), [],
         "bash: no daemon, no names and no error")

    # zsh: the function parses, and compsys completes with it in a pty.
    if not shutil.which("zsh"):
        t.skip("zsh is not installed", 5)
    else:
        r = subprocess.run(["zsh", "-n", ZSH_SCRIPT], capture_output=True, text=True)
        t.ok(r.returncode == 0 and not r.stderr, "zsh: the completion function parses")
        fdir = os.path.join(fx.dir, "zfunc")
        os.mkdir(fdir)
        shutil.copy(ZSH_SCRIPT, fdir)
        out = os.path.join(fx.dir, "zsh.out")
        open(out, "w").close()
        # An interactive zsh in a pty (zsh/zpty): compinit finds the
        # function in fpath; a widget completes the line with every match
        # inserted ("insert all") and appends the resulting buffer to a file.
        # Lines are typed only once the set-up has run ("ready"): each wait
        # counts the file's lines, and a set-up line still to come would
        # be taken for the answer to the line just typed.
        zscript = r'''
zmodload zsh/zpty
OUT=%s
zpty z zsh -f -i
zpty -w z "fpath=(%s \$fpath); path=(%s \$path); autoload -U compinit; compinit -u -D; print -r -- \"comp:\$_comps[arenactl-client]\" >> $OUT"
zpty -w z "zle -C all-matches complete-word _generic; zstyle ':completion:all-matches:*' insert all; zstyle ':completion:*' list no"
zpty -w z "dump() { zle all-matches; print -r -- \"[\$BUFFER]\" >> $OUT; BUFFER=; }; zle -N dump; bindkey '^T' dump; print -r -- ready >> $OUT"
for i in {1..300}; do grep -qx ready $OUT && break; sleep 0.1; done
for l in 'arenactl-client --socket %s lookup compl-n' 'arenactl-client que' 'arenactl-client --socket %s ranges --owner compl-o'; do
  n=$(wc -l < $OUT)
  zpty -w -n z "$l"$'\x14'
  for i in {1..100}; do (( $(wc -l < $OUT) > n )) && break; sleep 0.1; done
done
zpty -d z
''' % (out, fdir, os.path.dirname(at.CLIENT), fx.socket, fx.socket)
        r = subprocess.run(["zsh", "-f", "-c", zscript], capture_output=True, text=True, timeout=at.scaled(60))
        with open(out) as f:
            lines = f.read().split("\n")
        t.ok("comp:_arenactl-client" in lines, "zsh: compinit registers _arenactl-client from fpath")
        t.ok(any("lookup compl-name-1" in ln for ln in lines), "zsh: names from the daemon")
        t.ok(any(ln.startswith("[arenactl-client query") for ln in lines), "zsh: commands")
        t.ok(any("--owner compl-owner-a" in ln for ln in lines), "zsh: owners from the daemon")
        if not (any("compl-name-1" in ln for ln in lines) and
                any("--owner compl-owner-a" in ln for ln in lines)):
            rc, cout, cerr = fx.ctl("complete", "owners")
            t.diag("zsh wrote:\n%s\nzsh stderr: %s\ncomplete owners now: %d %r %r"
                   % ("\n".join(lines), r.stderr[-1000:], rc, cout, cerr))

# make install puts both where the shells look.
dest = os.path.join("/tmp", "arenad-compl-%d" % os.getpid())
try:
    r = subprocess.run(["make", "-s", "-C", at.REPO, "install", "DESTDIR=" + dest, "PREFIX=/usr/local"],
                       capture_output=True, text=True, timeout=at.scaled(600))
    bashdir = subprocess.run(["pkg-config", "--define-variable=datadir=/usr/local/share",
                              "--variable=completionsdir", "bash-completion"],
                             capture_output=True, text=True).stdout.strip()
    t.ok(r.returncode == 0 and os.path.exists(dest + bashdir + "/arenactl-client"),
         "make install: bash completion in %s (pkg-config bash-completion, under PREFIX)" % bashdir)
    zdir = "/usr/local/share/zsh/site-functions"
    t.ok(os.path.exists(dest + zdir + "/_arenactl-client"), "make install: zsh completion in " + zdir)
    zfpath = subprocess.run(["zsh", "-f", "-c", "print -l $fpath"], capture_output=True, text=True).stdout
    t.ok(zdir in zfpath.split("\n"), "which is in zsh's fpath")
finally:
    shutil.rmtree(dest, ignore_errors=True)
t.done()
