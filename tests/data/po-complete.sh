#!/usr/bin/env bash
# po-complete.sh SOURCE_ROOT — every string marked for translation is translated in every
# language of po/LINGUAS: the POT is extracted afresh from po/POTFILES.in (as
# `ninja switchyard-pot` does), merged into each .po, and any msgid left untranslated or fuzzy
# is printed.  POTFILES.in itself must list every file that marks strings (validate.sh
# potfiles), and each catalogue must pass msgfmt --check.
set -euo pipefail

src=${1:?source root}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

for tool in xgettext msgmerge msgattrib msgfmt; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (package gettext)"; exit 77; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

status=0
"$here/validate.sh" potfiles "$src" "$src" || status=1

cd "$src"
# The keywords and flags of meson's i18n 'glib' preset.
grep -v -e '^#' -e '^[[:space:]]*$' po/POTFILES.in >"$tmp/files"
xgettext --files-from="$tmp/files" --directory="$src" --output="$tmp/switchyard.pot" \
  --from-code=UTF-8 --add-comments --package-name=switchyard \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
  --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
  --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format
n_msgids=$(grep -c '^msgid ' "$tmp/switchyard.pot")

for lang in $(grep -v '^#' po/LINGUAS); do
  po=po/$lang.po
  echo "msgfmt --check $po"
  msgfmt --check --statistics -o /dev/null "$po" || status=1
  msgmerge --quiet --no-fuzzy-matching -o "$tmp/$lang.po" "$po" "$tmp/switchyard.pot"
  for kind in untranslated only-fuzzy; do
    msgattrib --$kind --no-obsolete --no-wrap --no-location "$tmp/$lang.po" |
      awk 'BEGIN { RS = "" } NR > 1 {
             n = split ($0, line, "\n")
             for (i = 1; i <= n && line[i] !~ /^msg(str|id_plural)/; i++)
               if (line[i] !~ /^#/) print line[i]
           }' >"$tmp/$kind" 
    if [[ -s $tmp/$kind ]]; then
      echo "$po: ${kind#only-} msgids (add them with 'ninja -C _build switchyard-update-po'," \
           "then translate):"
      cat "$tmp/$kind"
      status=1
    fi
  done
done
((status == 0)) && echo "$((n_msgids - 1)) msgids, all translated in: $(grep -v '^#' po/LINGUAS | xargs)"
exit $status
