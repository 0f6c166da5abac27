"""Where the index and the start cache live, and removing the state of content
dirs no longer served.

Unset, BantinStateDir and BantinStartCacheDir default (when httpd starts as
root) to /var/cache/apache2/mod_bantin/{state,startcache}/<instance>, on disk;
the harness gives every other test server its own folders in its root.  Each
content dir's folder in a state root has a record beside it,
"<folder>.instance": the content dir, then the instances serving it.  At start
an instance removes the folders of content dirs it served before and no
longer does, unless another instance still uses them; it never follows a link
while removing.
"""

import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from bantin_httpd import BantinHttpd, Portal, as_user, module_path, write_article
from conftest import mpm_params

BASE = Path("/var/cache/apache2/mod_bantin")


@pytest.fixture
def umask022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def content_dir(root, name):
    d = root / name
    write_article(d, "a/bai", title=f"Bài của {name}", date="2024-01-01")
    return d


def records(state_root):
    """{content dir: (folder, [instances])} from the records in a state root."""
    out = {}
    for rec in Path(state_root).glob("*.instance"):
        lines = rec.read_text().splitlines()
        out[lines[0]] = (rec.with_suffix(""), lines[1:])
    return out


def not_open_to_others(folder, user="daemon"):
    """Another local user (neither root nor the server's User), who can reach
    the state root (0755), can neither list a content dir's state folder nor
    open what is in it: with the index's lock file or its shared memory
    open, it could hold flock or fcntl locks there and stall every
    process's indexing and search."""
    names = [folder / n for n in ("search.sqlite", "search.sqlite-shm", "search.sqlite.lock")]
    deadline = time.monotonic() + 30
    while not all(n.exists() for n in names):  # the lock: once a process syncs
        assert time.monotonic() < deadline, sorted(os.listdir(folder))
        time.sleep(0.1)
    opened = [n for n in [folder] + names
              if as_user(lambda: os.listdir(n) if n == folder else os.close(os.open(n, os.O_RDONLY)),
                         user) == "ok"]
    assert not opened, f"{user} listed or opened {opened}"
    return True


def server(root, mpm, portals, state_root=None, own_state_dirs=True):
    h = BantinHttpd(root, mpm=mpm, module=module_path(), own_state_dirs=own_state_dirs)
    h.configure(portals, extra=f'BantinStateDir "{state_root}"' if state_root else "")
    return h


@pytest.mark.parametrize("mpm", mpm_params())
def test_state_of_a_dropped_content_dir_is_removed_but_not_another_instances(
        tmp_path, umask022, mpm):
    shared = tmp_path / "shared-state"
    c1, c2, c4 = (content_dir(tmp_path, n) for n in ("c1", "c2", "c4"))
    c3 = content_dir(tmp_path, "c3")
    a = server(tmp_path / "a", mpm, [Portal("/p1", content=c1), Portal("/p2", content=c2),
                                     Portal("/p4", content=c4)], shared)
    b = server(tmp_path / "b", mpm, [Portal("/p2", content=c2), Portal("/p3", content=c3)],
               shared)
    try:
        a.start()
        a.stop()
        b.start()
        b.stop()
        rec = records(shared)
        assert set(rec) == {str(c) for c in (c1, c2, c3, c4)}
        assert len(rec[str(c2)][1]) == 2 and all(len(rec[str(c)][1]) == 1 for c in (c1, c3, c4))
        for _, (folder, _) in rec.items():
            assert folder.is_dir()
        # the User's folder holds links to what must survive the removal
        victim = tmp_path / "victim"
        victim.mkdir()
        (victim / "keep.txt").write_text("keep")
        c4_folder = rec[str(c4)][0]
        os.symlink(victim, c4_folder / "to-a-folder")
        os.symlink(victim / "keep.txt", c4_folder / "to-a-file")
        (c4_folder / "sub").mkdir()
        os.symlink(victim, c4_folder / "sub" / "deeper")

        # a serves c1 only now: c4 (its alone) goes, c2 (b's too) stays
        a.configure([Portal("/p1", content=c1)], extra=f'BantinStateDir "{shared}"')
        a.log_mark()
        a.start()
        rec = records(shared)
        assert str(c4) not in rec and not c4_folder.exists()
        assert (victim / "keep.txt").read_text() == "keep"
        assert rec[str(c2)][0].is_dir() and len(rec[str(c2)][1]) == 1
        assert rec[str(c1)][0].is_dir() and rec[str(c3)][0].is_dir()
        assert a.find_log(rf"BT0121 .*{c4_folder.name}: state of {c4} removed")
        a.stop()

        # b serves c3 only now: c2, which nobody serves any more, goes
        c2_folder = rec[str(c2)][0]
        b.configure([Portal("/p3", content=c3)], extra=f'BantinStateDir "{shared}"')
        b.start()
        rec = records(shared)
        assert str(c2) not in rec and not c2_folder.exists()
        assert rec[str(c1)][0].is_dir() and rec[str(c3)][0].is_dir()
    finally:
        a.stop()
        b.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="the default is /var/cache only for a root parent")
@pytest.mark.parametrize("mpm", mpm_params())
def test_default_location_is_on_disk_under_var_cache(tmp_path, umask022, mpm):
    c1, c2 = content_dir(tmp_path, "c1"), content_dir(tmp_path, "c2")
    h = server(tmp_path / "d", mpm, [Portal("/p1", content=c1), Portal("/p2", content=c2)],
               own_state_dirs=False)
    mine = []
    base = Path(h.DEFAULT_CACHE_BASE)
    try:
        h.start()
        for d in (base, base / "state", base / "startcache"):
            st = d.stat()
            assert st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o755, d
        # this instance's folder: the one whose records name our content dirs
        ours = [r for r in (base / "state").iterdir() if str(c1) in records(r)]
        assert len(ours) == 1, ours
        state_root = ours[0]
        mine += [state_root, base / "startcache" / state_root.name]
        rec = records(state_root)
        assert (rec[str(c1)][0] / "search.sqlite").exists()
        assert not_open_to_others(rec[str(c1)][0])
        assert (base / "startcache" / state_root.name).is_dir()
        assert not (h.root / "run" / "bantin-state").exists()
        # the parent writes a start cache per content dir once it serves
        cache = base / "startcache" / state_root.name
        deadline = time.monotonic() + 30
        while len(list(cache.glob("*.cache"))) < 2:
            assert time.monotonic() < deadline, list(cache.iterdir())
            time.sleep(0.1)
        # dropped: its state and its start cache go at the next start
        c2_folder = rec[str(c2)][0]
        h.stop()
        c1_folder = rec[str(c1)][0]
        os.chmod(c1_folder, 0o755)  # as an earlier version left it
        h.configure([Portal("/p1", content=c1)])
        h.start()
        assert stat.S_IMODE(c1_folder.stat().st_mode) == 0o700
        assert not c2_folder.exists() and str(c2) not in records(state_root)
        assert (records(state_root)[str(c1)][0] / "search.sqlite").exists()
        assert len(list(cache.glob("*.cache"))) == 1
        assert h.find_log(r"BT0100 .*/c1: 1 articles loaded, .* 1 read from the start cache")
    finally:
        h.stop()
        for d in mine:  # this instance's folders only: other servers may use the base
            shutil.rmtree(d, ignore_errors=True)
