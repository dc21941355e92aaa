#!/usr/bin/env python3
# arenactl-client's terminal views in a real terminal (tmux): `top` shows
# the test's allocations, updates after a new one, fits 80 columns (and
# narrower and wider windows without wrapping), and `q` and ^C give the
# terminal back as it was (normal screen, cursor, canonical mode and
# echo); without a terminal it refuses unless --once. `map` draws the
# owners with letters and colours, the legend, the largest free run and
# the fragmentation.
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import arenad_test as at  # noqa: E402

t = at.Tap()
if not shutil.which("tmux"):
    t.skip_all("tmux is not installed (scripts/deps.sh installs it)")


class Term:
    """A private tmux server (its own socket in the fixture directory) with
    one window running a plain shell."""

    def __init__(self, fx, cols=80, rows=24):
        self.sock = os.path.join(fx.dir, "tmux.sock")
        self.fx = fx
        env = dict(os.environ, TERM="xterm-256color", PS1="$ ", HISTFILE="/dev/null")
        env.pop("NO_COLOR", None)
        env.pop("TMUX", None)
        subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null", "new-session", "-d",
                        "-x", str(cols), "-y", str(rows), "bash", "--norc", "--noprofile"],
                       check=True, env=env, timeout=at.scaled(30))
        fx.cleanups = getattr(fx, "cleanups", [])
        self.wait_for(lambda s: "$" in s, "shell prompt")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", self.sock] + list(args), capture_output=True,
                              text=True, timeout=at.scaled(30)).stdout

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "0", *keys)

    def run(self, cmdline):
        self.keys("-l", cmdline)
        self.keys("Enter")

    def screen(self, escapes=False):
        # -J joins lines the terminal wrapped: a line longer than the
        # window shows up as one long line.
        args = ["capture-pane", "-p", "-J", "-t", "0"] + (["-e"] if escapes else [])
        return self.tmux(*args)

    def flag(self, name):
        return self.tmux("display-message", "-p", "-t", "0", "#{%s}" % name).strip()

    def resize(self, cols, rows=24):
        self.tmux("resize-window", "-t", "0", "-x", str(cols), "-y", str(rows))

    def wait_for(self, pred, what, timeout=20):
        deadline = time.monotonic() + at.scaled(timeout)
        s = ""
        while time.monotonic() < deadline:
            s = self.screen()
            if pred(s):
                return s
            time.sleep(0.1)
        t.diag("waited for %s; screen:\n%s" % (what, s))
        # Who is running and where each sleeps: a view that stops
        # redrawing is blocked somewhere (wchan) or starved (%CPU).
        ps = subprocess.run(["ps", "-eo", "pid,ppid,stat,pcpu,time,wchan:24,args"],
                            capture_output=True, text=True, timeout=at.scaled(30)).stdout
        t.diag("processes:\n%s" % ps)
        return None

    def kill(self):
        self.tmux("kill-server")


def widest(s):
    return max((len(ln.rstrip()) for ln in s.splitlines()), default=0)


def stty_after(term, path):
    """Canonical mode and echo in the shell after a view ended."""
    if os.path.exists(path):
        os.unlink(path)
    term.run("stty -a > %s" % path)
    deadline = time.monotonic() + at.scaled(20)
    words = []
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                words = f.read().split()
            if "icanon" in words or "-icanon" in words:
                break
        time.sleep(0.2)
    return "icanon" in words and "echo" in words


with at.Fixture(t, pages=256) as fx:
    fx.result("alloc", {"pages": 24, "owner": "termtest-alpha", "name": "tt1"})
    fx.result("alloc", {"pages": 8, "owner": "termtest-beta"})
    fx.result("scan")          # census figures for the view
    cli = "%s --socket %s" % (at.CLIENT, fx.socket)

    # ---- without a terminal ----------------------------------------------
    rc, out, err = fx.ctl("top")
    t.ok(rc == 2 and "needs a terminal" in err and "--once" in err,
         "top without a terminal refuses and names --once (rc %d)" % rc)
    rc, out, err = fx.ctl("top", "--once")
    t.ok(rc == 0 and "termtest-alpha" in out and "termtest-beta" in out and "\033" not in out,
         "top --once prints one plain frame with the owners")
    t.ok(widest(out) <= 80, "top --once fits 80 columns (widest %d)" % widest(out))
    rc, out, err = fx.ctl("map")
    t.ok(rc == 0 and "\033" not in out, "map without a terminal has no colour codes")

    term = Term(fx)
    try:
        # ---- top -----------------------------------------------------------
        term.run("%s top --interval 0.3" % cli)
        s = term.wait_for(lambda s: "termtest-alpha" in s and "termtest-beta" in s, "top's owners")
        t.ok(s is not None, "top shows the test's owners")
        t.eq(term.flag("alternate_on"), "1", "top runs on the alternate screen")
        t.ok(s is not None and widest(s) <= 80, "every line fits 80 columns (widest %d)" % widest(s or ""))
        t.ok(s is not None and "24" in s and "unaccounted" in s and "free" in s and "allocs/s" in s,
             "it shows pages, the census figures and rates")

        fx.result("alloc", {"pages": 5, "owner": "termtest-gamma"})
        s = term.wait_for(lambda s: "termtest-gamma" in s, "the new owner")
        t.ok(s is not None, "top updates after a new allocation")
        s = term.wait_for(lambda s: "allocs/s" in s and "-   frees/s" not in s, "rates")
        t.ok(s is not None, "rates appear from the second frame on")

        for cols in (60, 120):
            term.resize(cols)
            # the frame after the resize: its bar spans the new width
            s = term.wait_for(lambda s: any(ln.startswith("[") and len(ln.rstrip()) == max(cols, 80)
                                            or (cols < 80 and ln.startswith("[") and len(ln.rstrip()) == cols)
                                            for ln in s.splitlines()) and "OWNER" in s,
                              "a frame in %d columns" % cols) or term.screen()
            t.ok(widest(s) <= cols and "OWNER" in s,
                 "in %d columns nothing wraps (widest %d)" % (cols, widest(s)))
        term.resize(80)

        term.keys("q")
        s = term.wait_for(lambda s: "termtest" not in s, "top to end")
        t.ok(s is not None, "q quits")
        t.eq((term.flag("alternate_on"), term.flag("cursor_flag")), ("0", "1"),
             "after q: normal screen, cursor visible")
        t.ok(stty_after(term, os.path.join(fx.dir, "stty1")), "after q: canonical mode and echo are back")

        # ^C ends it the same way
        term.run("%s top --interval 0.3" % cli)
        t.ok(term.wait_for(lambda s: "termtest-alpha" in s, "top again") is not None, "top again")
        term.keys("C-c")
        s = term.wait_for(lambda s: "termtest" not in s, "top to end on ^C")
        t.eq((term.flag("alternate_on"), term.flag("cursor_flag")), ("0", "1"),
             "after ^C: normal screen, cursor visible")
        t.ok(stty_after(term, os.path.join(fx.dir, "stty2")), "after ^C: canonical mode and echo are back")

        # ---- map -----------------------------------------------------------
        term.run("clear; %s map" % cli)
        s = term.wait_for(lambda s: "fragmentation" in s, "the map")
        t.ok(s is not None and "A termtest-alpha" in s and "B termtest-beta" in s,
             "map's legend names the owners by letter")
        t.ok(s is not None and "AAAAAAAAAAAAAAAAAAAAAAAA" in s.replace("\n", "").replace(" ", "")
             or (s is not None and "A" * 20 in s), "the first owner's 24 pages are drawn")
        t.ok(s is not None and "largest free run" in s, "it gives the largest free run")
        t.ok(s is not None and widest(s) <= 80, "map fits 80 columns (widest %d)" % widest(s or ""))
        esc = term.screen(escapes=True)
        t.ok("\033[" in esc, "on a terminal the cells are coloured")
    finally:
        term.kill()
t.done()
