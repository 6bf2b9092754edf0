#!/usr/bin/env bash
# The Python bindings' checks: lints, then build into a venv and run the tests (from any cwd).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo clippy -p affiche-python --all-targets -- -D warnings
cargo fmt -p affiche-python --check

venv=target/python-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check "maturin>=1.9,<2" "pytest>=8,<10" "pandas>=2,<4"
# Debug profile: shares target/ (dependencies at opt-level 3) with the root's cargo test.
VIRTUAL_ENV="$PWD/$venv" "$venv/bin/maturin" develop -q -m python/Cargo.toml
"$venv/bin/python" -m pytest -q python/tests
