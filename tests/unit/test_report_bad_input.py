"""`tripod report` with bad input (issue 12 §5): exit 2 and one line naming the file or option, never
an internal error; a report file is written whole or not at all (a full disk leaves no empty file)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.report_fixture import build_store
from tripod.atomic import atomic_write
from tripod.cli import main


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("report-bad-input") / "evidence.sqlite")


def report(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(["report", *args])
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines()


@pytest.mark.parametrize(("args", "line"), [
    (["--month", "2026-11", "--out", "/proc/x"], "error: /proc/x: cannot write (No such file or directory)"),
    (["--month", "2026-11", "--out", "/proc/1/x"], "error: --out: cannot write in /proc/1 (to create /proc/1/x)"),
    (["--month", "0000-01"], "error: --month: '0000-01' is out of range (years 1970 to 9998)"),
    (["--review", "--client", "Globex", "--half", "0000-H2"], "error: --half: '0000-H2' is out of range"),
])
def test_bad_options_exit_2_with_one_line(store, tmp_path, capsys, args, line):
    code, err = report(capsys, "--store", str(store), *args)
    assert (code, len(err)) == (2, 1) and err[0].startswith(line), err


def test_an_existing_file_as_out_and_a_store_that_is_not_one(store, tmp_path, capsys):
    existing = tmp_path / "report.html"
    existing.write_text("keep me")
    assert report(capsys, "--store", str(store), "--month", "2026-11", "--out", str(existing)) == (
        2, [f"error: --out: {existing} exists and is not a directory"])
    assert existing.read_text() == "keep me"
    assert report(capsys, "--store", str(existing), "--month", "2026-11", "--out", str(tmp_path / "out")) == (
        2, [f"error: {existing}: cannot use the evidence store (not an SQLite database: corrupt, or another "
            "kind of file)"])


def test_a_failed_write_leaves_the_old_file_or_none(tmp_path):
    target = tmp_path / "r.pdf"

    def half_then_full(partial: Path) -> None:
        partial.write_bytes(b"%PDF-1.7 half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError) as caught:
        atomic_write(target, half_then_full)
    assert caught.value.filename == str(target) and list(tmp_path.iterdir()) == []
    target.write_bytes(b"old")
    with pytest.raises(OSError):
        atomic_write(target, half_then_full)
    assert target.read_bytes() == b"old" and list(tmp_path.iterdir()) == [target]


def _tmpfs(path: Path, options: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)]).returncode:
        pytest.skip("needs root and mount (a full or read-only file system)")


def test_a_full_disk_is_bad_input_and_leaves_no_empty_report(store, tmp_path, capsys):
    out = tmp_path / "full"
    _tmpfs(out, "size=64k")
    try:
        with open(out / "filler", "wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)
            except OSError:
                pass
        code, err = report(capsys, "--store", str(store), "--month", "2026-11", "--out", str(out),
                           "--format", "html,json,csv")
        assert (code, len(err)) == (2, 1), err
        assert err[0].startswith(f"error: {out}/") and "cannot write (No space left on device)" in err[0]
        assert sorted(p.name for p in out.iterdir()) == ["filler"], "no empty or partial report file"
    finally:
        subprocess.run(["umount", str(out)], check=False)


def test_a_read_only_data_dir_is_bad_input(store, tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    _tmpfs(data, "size=8m")
    try:
        shutil.copy(store, data / "evidence.sqlite")
        subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
        monkeypatch.setenv("TRIPOD_DATA_DIR", str(data))
        code, err = report(capsys, "--month", "2026-11", "--out", str(tmp_path / "out"))
        assert (code, len(err)) == (2, 1), err
        assert err[0].startswith(f"error: {data}/evidence.sqlite: cannot use the evidence store") and "read-only" in err[0]
    finally:
        subprocess.run(["umount", str(data)], check=False)
