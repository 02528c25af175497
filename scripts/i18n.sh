#!/usr/bin/env bash
# Translation catalogues: `scripts/i18n.sh extract` refreshes translations/messages.pot and updates (or
# creates) the zh_Hans catalogue; `scripts/i18n.sh compile` builds the .mo files. Run from anywhere;
# PYBABEL overrides the pybabel binary (default: the repo's .venv).
set -euo pipefail

if [[ -n "${PYBABEL:-}" && "$PYBABEL" == */* && "$PYBABEL" != /* ]]; then
  PYBABEL="$PWD/$PYBABEL"  # a relative path given by the caller is relative to the caller's directory
fi
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
POT=translations/messages.pot
PO=translations/zh_Hans/LC_MESSAGES/messages.po

case "${1:-}" in
  extract)
    "$PYBABEL" -q extract -F babel.cfg -k lazy_gettext -k _l -k N_ --add-location=file --sort-by-file \
      --no-wrap -c TRANSLATORS: --project "Digital Factory" --copyright-holder "Digital Factory" -o "$POT" .
    if [ -f "$PO" ]; then
      "$PYBABEL" -q update -i "$POT" -d translations -l zh_Hans --no-wrap --no-fuzzy-matching --ignore-obsolete
    else
      "$PYBABEL" -q init -i "$POT" -d translations -l zh_Hans --no-wrap
    fi
    ;;
  compile)  # only when a catalogue changed: test runs side by side must not rewrite a .mo being read
    if [ ! -f "${PO%.po}.mo" ] || [ "$PO" -nt "${PO%.po}.mo" ]; then
      "$PYBABEL" -q compile -d translations
    fi
    ;;
  *)
    echo "usage: $0 extract|compile" >&2
    exit 2
    ;;
esac
