"""The AWX execution environment's build context: `ansible-builder create` on execution-environment.yml.

No image is built here (no container registry can be reached for the base image); the test builds
what `make ee-context` builds (the collection tarball and the tripod wheel) beside a copy of the
definition and checks the context that ansible-builder writes from them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_build_context_installs_tripod_and_enables_the_evidence_recorder(tmp_path):
    for name in ("execution-environment.yml", "requirements.yml", "bindep.txt"):
        shutil.copy(REPO / name, tmp_path / name)
    definition = yaml.safe_load((tmp_path / "execution-environment.yml").read_text())
    dist = tmp_path / definition["additional_build_files"][0]["src"]
    dist.mkdir(parents=True)
    for step in ([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(dist), str(REPO)],
                 [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(REPO)]):
        built = run(*step, cwd=tmp_path)
        assert built.returncode == 0, built.stdout + built.stderr

    created = run(str(BIN / "ansible-builder"), "create", "--file", "execution-environment.yml",
                  "--context", "context", cwd=tmp_path)
    assert created.returncode == 0, created.stdout + created.stderr

    build = tmp_path / "context" / "_build"
    (wheel,) = (build / "tripod").glob("tripod-*-py3-none-any.whl")
    (tarball,) = (build / "tripod").glob("tripod-maintenance-*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        assert "tripod/store/migrations.py" in archive.namelist(), "the wheel carries the evidence store"
    assert tarball.stat().st_size > 0
    assert "community.general" in (build / "requirements.yml").read_text()
    assert "pango" in (build / "bindep.txt").read_text(), "WeasyPrint's library for the PDF reports"

    containerfile = (tmp_path / "context" / "Containerfile").read_text()
    assert 'ARG PYCMD="/usr/bin/python3.11"' in containerfile
    final = containerfile.split("FROM base AS final", 1)[1]
    assert "COPY _build/tripod /tmp/tripod" in final
    assert "pip install --no-cache-dir /tmp/tripod/tripod-*.whl" in final
    assert "ansible-galaxy collection install --offline" in final
    assert "ENV ANSIBLE_CALLBACKS_ENABLED=tripod.maintenance.evidence" in final
