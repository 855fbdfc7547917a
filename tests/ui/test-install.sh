#!/usr/bin/env bash
# test-install.sh BUILD_ROOT — `meson install` into a scratch DESTDIR puts everything a
# desktop needs to show Switchyard in its app grid where it looks for it.
set -euo pipefail

build=${1:?build root}
app_id=io.github.switchyard.Switchyard
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet
prefix=$(meson introspect "$build" --buildoptions |
         python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
root=$dest$prefix
status=0

expect () {
  if [[ -f $root/$1 ]]; then echo "ok: $1"; else echo "MISSING: $1"; status=1; fi
}

expect bin/switchyard
expect bin/switchyard-cli
expect libexec/switchyard-worker
expect share/applications/$app_id.desktop
expect share/metainfo/$app_id.metainfo.xml
expect share/glib-2.0/schemas/$app_id.gschema.xml
expect share/icons/hicolor/scalable/apps/$app_id.svg
expect share/icons/hicolor/symbolic/apps/$app_id-symbolic.svg
for lang in $(grep -v '^#' "$(dirname "$0")/../../po/LINGUAS" 2>/dev/null || true); do
  expect share/locale/$lang/LC_MESSAGES/switchyard.mo
done
((status == 0)) || exit 1

# The launcher runs a binary that was installed, shows an icon that was installed, and the
# metainfo names that launcher: what an app grid (and a software centre) follows.
exec_name=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$root/share/applications/$app_id.desktop")
icon_name=$(sed -n 's/^Icon=//p' "$root/share/applications/$app_id.desktop")
[[ -x $root/bin/$exec_name ]] || { echo "Exec=$exec_name is not an installed binary"; exit 1; }
[[ -f $root/share/icons/hicolor/scalable/apps/$icon_name.svg ]] ||
  { echo "Icon=$icon_name is not an installed icon"; exit 1; }
grep -q "<launchable type=\"desktop-id\">$app_id.desktop</launchable>" \
  "$root/share/metainfo/$app_id.metainfo.xml" || { echo "metainfo does not launch $app_id.desktop"; exit 1; }
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$root/share/applications/$app_id.desktop"
fi
# The installed schema compiles (gnome.post_install compiles it outside a DESTDIR).
glib-compile-schemas --strict --dry-run "$root/share/glib-2.0/schemas"
# The installed binary runs and knows its version.
"$root/bin/switchyard" --version
echo "installed into $root: $(find "$dest" -type f | wc -l) files"
