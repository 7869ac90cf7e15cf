#!/usr/bin/env bash
# ansible-test sanity on the collection as `ansible-galaxy collection build` ships it (what Galaxy
# certification checks), on a machine that reaches only the package index.
#
#   scripts/sanity.sh [ANSIBLE-TEST SANITY OPTIONS]      (make sanity; part of make test)
#
# - The tree checked is the built tarball, extracted: build_ignore in galaxy.yml decides what is
#   in it (tests/, benchmarks/ and scripts/ are not). It is built from the files git tracks or
#   would track (a clean clone's content), so stray local files do not count.
# - ansible-test wants the collection at .../ansible_collections/tripod/maintenance by its real
#   path: the tarball is extracted into a temporary tree of that shape.
# - The FRR cliconf and terminal plugins import ansible.netcommon. ansible-test's import test
#   finds other collections beside the one it checks, in the same ansible_collections directory;
#   Galaxy is out of reach here, so the copies the `ansible` package carries are linked there.
# - ansible-test bootstraps pip in its own virtual environments with a get-pip.py it downloads
#   from its own file server, which is out of reach here; it looks for a cached copy first, so
#   scripts/ansible-test-get-pip.py (ensurepip, then this machine's pip settings) is put there.
# - pslint needs pwsh and validate-modules needs pwsh for the PowerShell modules: neither runs
#   here, so pslint is skipped and the .ps1 files are left out of the run (docs/windows.md).
# - shellcheck runs when the shellcheck package is installed.
# - Only the venv's Python version is tested (--python), which keeps the run short.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
python=${PYTHON:-$repo/.venv/bin/python}
bin=$(dirname "$python")
# The pip version ansible-test bootstraps (its python_requirements.py names it).
pip_version=$("$python" - <<'PY'
import pathlib, re, ansible_test
text = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", text).group(1))
PY
)
mkdir -p "$HOME/.ansible/test/cache"
cp scripts/ansible-test-get-pip.py "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/source" "$work/dist"
git ls-files -z --cached --others --exclude-standard | grep -zv '^collections/' | xargs -0 cp --parents -t "$work/source"
"$bin/ansible-galaxy" collection build --output-path "$work/dist" "$work/source" >/dev/null
tree="$work/ansible_collections/tripod/maintenance"
mkdir -p "$tree"
tar -xzf "$work"/dist/tripod-maintenance-*.tar.gz -C "$tree"

shipped=$("$python" -c 'import ansible_collections.ansible.netcommon as c; print(list(c.__path__)[0].rsplit("/", 2)[0])')
mkdir -p "$work/ansible_collections/ansible"
for dependency in netcommon utils; do
    ln -s "$shipped/ansible/$dependency" "$work/ansible_collections/ansible/$dependency"
done

skip=(--skip-test pslint)
command -v shellcheck >/dev/null || skip+=(--skip-test shellcheck)
exclude=()
for ps1 in $(cd "$tree" && ls plugins/modules/*.ps1 plugins/module_utils/*.ps1 plugins/module_utils/*.psm1 2>/dev/null); do
    exclude+=(--exclude "$ps1")
done
cd "$tree"
"$bin/ansible-test" sanity --python "$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --requirements \
    "${skip[@]}" "${exclude[@]}" "$@"
