"""Root never acts on a path the server's User can change.

httpd's parent runs post_config as root, then forks its children as the
`User`.  The children own their state folder (bantin-state/<hash>/), and
anything that runs as that User (a CGI or PHP script, another module, a
child taken over) can put a symbolic link there.  Here the User does just
that, after a start, for each path the parent touches, and the server is
restarted (`-k restart`, `-k graceful`): the root-owned folder or file the
link points to keeps its owner and mode, nothing in it is created or
deleted, and the error log says what was refused.

Runs as root (the tests are), with `User www-data`.  The state dir and the
start cache dir lie in a folder that belongs to www-data, so that the User
can reach every path the parent uses.
"""

import os
import pwd
import shutil
import stat
import time

import pytest

from bantin_httpd import REPO, BantinHttpd, Portal, as_user, module_path
from conftest import mpm_params

USER = "www-data"

# What the User replaces, what the link points to ("dir": a root-owned 0700
# folder outside, "file": a root-owned 0600 file in it), and the error-log
# line that must say what was refused (None: nothing to refuse, the link
# only loses its own name).
CASES = {
    "state root": ("dir", r"BT0109 .*/www/state: a symbolic link in a folder others can write"),
    "state/<hash>": ("dir", r"BT0109 .*/www/state/[0-9a-f]{8}: state directory is a symbolic link"),
    "search.sqlite": ("file", r"BT0301 .*search\.sqlite: search index missing, corrupt or outdated"),
    "*.bad marker": ("file", None),
    "moves.map": ("file", r"BT0141 .*moves\.map: ignored \(a symbolic link, not followed\)"),
    "start cache dir": ("dir", r"BT0110 .*start cache off: .*/www/sc: a symbolic link in a folder"),
    "start cache file": ("file", None),
}


def snapshot(top):
    """Everything under top (itself included), links not followed:
    name -> (uid, gid, mode, bytes of a file)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in [""] + dirnames + filenames:
            p = os.path.join(dirpath, name) if name else dirpath
            st = os.lstat(p)
            data = None
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    data = f.read()
            out[os.path.relpath(p, top)] = (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode),
                                            stat.S_IFMT(st.st_mode), data)
    return out


def wait_for(cond, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(params=mpm_params())
def mpm(request):
    return request.param


@pytest.mark.parametrize("kind", ["restart", "graceful"])
@pytest.mark.parametrize("case", list(CASES))
def test_user_link_is_never_followed_by_root(tmp_path, mpm, case, kind):
    if os.geteuid() != 0:
        pytest.skip("the parent/User boundary exists only when httpd starts as root")
    mod = module_path()
    if mod is None or not mod.exists():
        pytest.fail(f"{mod}: run `make` first")
    pw = pwd.getpwnam(USER)
    target_kind, refused = CASES[case]

    content, templates = tmp_path / "content", tmp_path / "templates"
    shutil.copytree(REPO / "content", content)
    shutil.copytree(REPO / "templates", templates)
    # A folder of the User's holding the parent's state and start cache dirs.
    www = tmp_path / "www"
    www.mkdir()
    os.chown(www, pw.pw_uid, pw.pw_gid)
    (www / "sc").mkdir()  # the admin's, for the start cache dir in it
    # Root's own, outside: what a link may point to.
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o700)
    (outside / "canary").write_text("root's\n")
    os.chmod(outside / "canary", 0o600)
    (outside / "cache").mkdir(mode=0o700)
    (outside / "cache" / "canary").write_text("root's too\n")

    h = BantinHttpd(tmp_path / "server", mpm=mpm, module=mod, user=(USER, USER))
    h.configure([Portal("/portal", content, templates)],
                extra=f'BantinStateDir "{www}/state"\n'
                      f'BantinStartCacheDir "{www}/sc/cache"\n')
    h.log_mark()
    h.start()
    try:
        assert not h.log_problems(), h.log_problems()
        assert h.get("/portal/").status_code == 200
        state = www / "state"
        (hashdir,) = [p for p in state.iterdir() if p.is_dir()]
        assert (hashdir / "search.sqlite").is_file()
        cache = www / "sc" / "cache"
        if case == "start cache file":
            # written once after the start, by the parent's monitor
            wait_for(lambda: list(cache.glob("*.cache")), "the start cache to be written")
        target = outside if target_kind == "dir" else outside / "canary"

        def swap(path):
            def step():
                if os.path.lexists(path):
                    os.rename(path, f"{path}.moved")
                os.symlink(target, path)
            return step

        if case == "state/<hash>":
            # A state root that an earlier version handed to the User.
            os.chown(state, pw.pw_uid, pw.pw_gid)
        paths = {
            "state root": state,
            "state/<hash>": hashdir,
            "search.sqlite": hashdir / "search.sqlite",
            "*.bad marker": hashdir / "2024+x.xml@1-2-3.bad",
            "moves.map": hashdir / "moves.map",
            "start cache dir": www / "sc",
            "start cache file": (list(cache.glob("*.cache")) or [cache / "x.cache"])[0],
        }
        done = as_user(swap(paths[case]), USER)
        if case == "start cache file":
            # The start cache dir is the parent's alone: the User cannot even
            # get at its file.
            assert done == "denied"
        else:
            assert done == "ok"
            assert os.path.islink(paths[case])

        before = snapshot(outside)
        h.log_mark()
        if refused:
            h.expect_log(refused)
        h.signal_restart(kind)
        assert h.get("/portal/").status_code == 200
        if case == "start cache dir":
            # The cache is written after the start: wait until the parent
            # either refused the folder or wrote somewhere.
            wait_for(lambda: h.find_log(r"BT0110 ") or snapshot(outside) != before,
                     "the start cache to be refused or written")
        after = snapshot(outside)
        assert after == before, f"root acted through the User's link at {case}"
        assert os.stat(outside).st_uid == 0 and stat.S_IMODE(os.stat(outside).st_mode) == 0o700
        if refused:
            assert h.find_log(refused), h.log_tail(20)
        if case == "moves.map":
            # written anew by the parent: in place of the link, not through it
            assert not os.path.islink(paths[case]) and os.path.isfile(paths[case])
        if case == "state/<hash>":
            # the root an earlier version gave to the User is the parent's again
            st = os.stat(state)
            assert st.st_uid == 0 and not st.st_mode & 0o022, oct(st.st_mode)
        assert not h.log_problems(), h.log_problems()
    finally:
        h.stop()
