#!/bin/bash
# campaign_summary.sh FB TARGET HOURS FAILED [PLOTTED-INSTANCE...]: writes to stdout the HTML
# summary page of a campaign (campaign.sh saves it as FB/campaign/TARGET-summary.html): one row
# per AFL++ instance from its fuzzer_stats, links to each instance's afl-plot graphs
# (TARGET-plot/INSTANCE/index.html), the coverage report and the crash reproducers. Links are
# relative to FB/campaign/, so the folder can be copied or served as it is.
set -uo pipefail
usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -ge 4 ] || { echo "campaign_summary.sh: need FB TARGET HOURS FAILED [INSTANCE...]" >&2; usage >&2; exit 2; }
FB=$1 TARGET=$2 HOURS=$3 FAILED=$4
shift 4
out="$FB/campaign/$TARGET"
esc() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }
stat() { sed -n "s/^$2 *: *//p" "$1/fuzzer_stats" | head -1 | esc; }

cat <<HTML
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>fuzz campaign: $TARGET</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #999;padding:3px 8px;text-align:right}td:first-child{text-align:left}</style>
</head><body>
<h1>Fuzz campaign: $TARGET</h1>
<p>$HOURS h, finished $(date -u +%Y-%m-%dT%H:%M:%SZ). Result:
$([ "$FAILED" = 0 ] && echo "<b>no crashes, hangs or sanitizer reports</b>" ||
  echo "<b>FAILURES</b>: see <a href=\"../crashes/$TARGET/REPRODUCE.txt\">crashes/$TARGET/REPRODUCE.txt</a>")</p>
<table><tr><th>instance</th><th>execs</th><th>exec/s</th><th>edges</th><th>stability</th>
<th>corpus</th><th>crashes</th><th>hangs</th><th>graphs</th></tr>
HTML
for d in "$out"/*/; do
    [ -f "$d/fuzzer_stats" ] || continue
    name=$(basename "$d")
    graphs="none"
    for p in "$@"; do
        [ "$p" = "$name" ] && graphs="<a href=\"$TARGET-plot/$name/index.html\">afl-plot</a>"
    done
    printf '<tr><td>%s</td><td>%s</td><td>%s</td><td>%s / %s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n' \
        "$(printf '%s' "$name" | esc)" "$(stat "$d" execs_done)" "$(stat "$d" execs_per_sec)" \
        "$(stat "$d" edges_found)" "$(stat "$d" total_edges)" "$(stat "$d" stability)" \
        "$(stat "$d" corpus_count)" "$(stat "$d" saved_crashes)" "$(stat "$d" saved_hangs)" "$graphs"
done
cat <<HTML
</table>
<p><a href="../coverage/$TARGET/html/index.html">llvm-cov coverage of proto/</a>
(<a href="../coverage/$TARGET/summary.txt">summary</a>) &middot; logs in <code>$TARGET-logs/</code></p>
</body></html>
HTML
