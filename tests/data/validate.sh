#!/usr/bin/env bash
# validate.sh CHECK SOURCE_ROOT BUILD_ROOT — the data validators of the 'data' test suite.
#
# Each check looks for its file where data/meson.build may leave it: generated in the build
# tree (e.g. by i18n.merge_file) first, then as written in the source tree.  A check whose
# file or tool is missing exits 77, which meson shows as SKIP, so a missing piece is visible
# rather than silently untested.
set -euo pipefail

check=${1:?check}
src=${2:?source root}
build=${3:?build root}
app_id=io.github.switchyard.Switchyard

skip () { echo "SKIP: $*"; exit 77; }

need () { command -v "$1" >/dev/null || skip "$1 is not installed (package $2)"; }

# first_file CANDIDATE... — prints the first candidate that exists.
first_file () {
  local f
  for f in "$@"; do
    [[ -f $f ]] && { printf '%s\n' "$f"; return 0; }
  done
  return 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The validators judge a file by its name too, so a template (.in) is checked as a copy
# under its final name.
final_name () {
  local f=$1 name=$2
  if [[ $f == *.in ]]; then
    cp "$f" "$tmp/$name"
    printf '%s\n' "$tmp/$name"
  else
    printf '%s\n' "$f"
  fi
}

case $check in
  desktop)
    need desktop-file-validate desktop-file-utils
    f=$(first_file "$build/data/$app_id.desktop" "$src/data/$app_id.desktop" \
                   "$src/data/$app_id.desktop.in") || skip "no data/$app_id.desktop yet"
    f=$(final_name "$f" "$app_id.desktop")
    echo "desktop-file-validate $f"
    out=$(desktop-file-validate "$f" 2>&1) || { echo "$out"; exit 1; }
    # Hints are advice; warnings and errors fail (desktop-file-validate exits 0 on warnings).
    if grep -E ': (error|warning):' <<<"$out"; then exit 1; fi
    [[ -z $out ]] || echo "$out"
    ;;

  metainfo)
    need appstream-util appstream-util
    f=$(first_file "$build/data/$app_id.metainfo.xml" "$src/data/$app_id.metainfo.xml" \
                   "$src/data/$app_id.metainfo.xml.in") || skip "no data/$app_id.metainfo.xml yet"
    f=$(final_name "$f" "$app_id.metainfo.xml")
    echo "appstream-util validate-relax --nonet $f"
    appstream-util validate-relax --nonet "$f"
    ;;

  schema)
    need glib-compile-schemas libglib2.0-bin
    f=$(first_file "$build/data/$app_id.gschema.xml" "$src/data/$app_id.gschema.xml") ||
      skip "no data/$app_id.gschema.xml yet"
    # Alone in a directory, so only this schema is judged.
    cp "$f" "$tmp/"
    echo "glib-compile-schemas --strict --dry-run ($f)"
    glib-compile-schemas --strict --dry-run "$tmp"
    ;;

  gresource)
    need glib-compile-resources libglib2.0-dev-bin
    f=$(first_file "$src/data/$app_id.gresource.xml" "$src/data/switchyard.gresource.xml") ||
      skip "no data/*.gresource.xml yet"
    # The build compiles it already; this says which listed file is missing or broken, and
    # checks every listed file is really there (not only found in the build tree).
    echo "glib-compile-resources --sourcedir=$src/data $f"
    glib-compile-resources --sourcedir="$src/data" --sourcedir="$build/data" \
      --target="$tmp/out.gresource" "$f"
    ;;

  ui-xml)
    need xmllint libxml2-utils
    shopt -s nullglob
    files=("$src"/data/ui/*.ui)
    ((${#files[@]})) || skip "no data/ui/*.ui yet"
    xmllint --noout "${files[@]}"
    echo "${#files[@]} .ui files are well-formed"
    ;;

  po)
    need msgfmt gettext
    [[ -f $src/po/LINGUAS ]] || { echo "po/LINGUAS is missing"; exit 1; }
    n=0
    for lang in $(grep -v '^#' "$src/po/LINGUAS"); do
      echo "msgfmt --check po/$lang.po"
      msgfmt --check --statistics -o /dev/null "$src/po/$lang.po"
      n=$((n + 1))
    done
    ((n > 0)) || { echo "po/LINGUAS lists no language"; exit 1; }
    ;;

  potfiles)
    # POTFILES.in lists exactly the files that mark strings for translation: a missing entry
    # means strings that never reach the translators; a stale entry breaks `ninja *-pot`.
    cd "$src"
    listed=$(grep -v -e '^#' -e '^[[:space:]]*$' po/POTFILES.in | sort -u)
    status=0
    while read -r f; do
      [[ -z $f ]] && continue
      [[ -f $f ]] || { echo "po/POTFILES.in lists $f, which does not exist"; status=1; }
    done <<<"$listed"
    shopt -s nullglob
    marked=$( { grep -l -E '(^|[^A-Za-z0-9_])(N?_|C_|NC_|g_dngettext|ngettext)[[:space:]]*\(' \
                  core/*.c ui/*.c app/*.c 2>/dev/null || true
                grep -l 'translatable="yes"' data/ui/*.ui data/*.in data/*.desktop \
                  data/*.metainfo.xml data/*.gschema.xml 2>/dev/null || true; } | sort -u)
    for f in $(comm -23 <(printf '%s\n' "$marked") <(printf '%s\n' "$listed")); do
      echo "$f marks strings for translation but is not in po/POTFILES.in"
      status=1
    done
    ((status == 0)) && echo "po/POTFILES.in lists $(wc -l <<<"$listed") files, all present"
    exit $status
    ;;

  *)
    echo "unknown check: $check" >&2
    exit 2
    ;;
esac
