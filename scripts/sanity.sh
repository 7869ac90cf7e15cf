#!/usr/bin/env bash
# ansible-test sanity on the collection, as Galaxy certification runs it, on a machine that
# reaches only the package index.
#
#   scripts/sanity.sh [ANSIBLE-TEST SANITY OPTIONS]      (make sanity)
#
# - ansible-test wants the collection at .../ansible_collections/tripod/maintenance and reads the
#   real path (this checkout's collections/ symlink does not do): the tracked files are copied
#   into a temporary tree.
# - ansible-test bootstraps pip in its own virtual environments with a get-pip.py it downloads
#   from its own file server, which is out of reach here; it looks for a cached copy first, so
#   scripts/ansible-test-get-pip.py (ensurepip, then this machine's pip settings) is put there.
# - pslint needs pwsh and validate-modules needs pwsh for the PowerShell modules: neither runs
#   here, so pslint is skipped and the .ps1 files are left out of the run (docs/windows.md).
# - shellcheck runs when the shellcheck package is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
python=${PYTHON:-$repo/.venv/bin/python}
ansible_test=$(dirname "$python")/ansible-test
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
tree="$work/ansible_collections/tripod/maintenance"
mkdir -p "$tree"
git ls-files -z --cached --others --exclude-standard | grep -zv '^collections/' | xargs -0 cp --parents -t "$tree"
skip=(--skip-test pslint)
command -v shellcheck >/dev/null || skip+=(--skip-test shellcheck)
exclude=()
for ps1 in $(cd "$tree" && ls plugins/modules/*.ps1 plugins/module_utils/*.ps1 plugins/module_utils/*.psm1 2>/dev/null); do
    exclude+=(--exclude "$ps1")
done
cd "$tree"
"$ansible_test" sanity --python "$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --requirements \
    "${skip[@]}" "${exclude[@]}" "$@"
