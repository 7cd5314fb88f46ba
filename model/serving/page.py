"""The reading page served at ``GET /``: paste an article, see every sentence highlighted by
label with its confidence on hover, a legend with counts, and a filter. No external resources."""

from annotations.schema import LABELS
from model.render import LABEL_COLOURS

_LEGEND = "".join(
    f'<label class="chip {label}"><input type="radio" name="only" value="{label}"> {label} '
    f'<span class="count" id="count-{label}">0</span></label>' for label in LABELS)

PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>claimtag</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,sans-serif;max-width:56rem;margin:1.5rem auto;padding:0 1rem;color:#222}}
textarea{{width:100%;height:12rem;font:inherit;padding:.5rem;box-sizing:border-box}}
button{{font:inherit;padding:.4rem 1.2rem;margin:.5rem 0}}
#article{{font-family:Georgia,serif;line-height:1.7;white-space:pre-wrap;margin-top:1rem}}
.s{{border-radius:3px;padding:1px 2px}} .dim{{opacity:.2}}
.chip{{display:inline-block;margin:.2rem;padding:.15rem .5rem;border-radius:3px;font-size:.9rem;cursor:pointer}}
#status{{color:#a00;min-height:1.2em}}
{"".join(f".{label}{{background:{colour}}}" for label, colour in LABEL_COLOURS.items())}
</style></head><body>
<h1>claimtag</h1>
<p>Paste a news article; each sentence is tagged as official claim, denial, unverified report,
rhetoric or other. Hover a sentence for its confidence.</p>
<textarea id="text" aria-label="article text" placeholder="Paste an article here"></textarea><br>
<button id="go">Tag article</button>
<div id="status" role="status"></div>
<div id="legend"><label class="chip"><input type="radio" name="only" value="" checked> all</label>{_LEGEND}</div>
<div id="article"></div>
<script>
const labels = {list(LABELS)!r};
function esc(s) {{ return s.replace(/[&<>"]/g, c => ({{"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}})[c]); }}
function render(text, sentences) {{
  let html = "", cursor = 0; const counts = Object.fromEntries(labels.map(l => [l, 0]));
  for (const s of sentences) {{
    counts[s.label] += 1;
    const tip = s.label + " " + s.confidence.toFixed(2) + " | " +
      labels.map(l => l + " " + s.scores[l].toFixed(2)).join(", ");
    html += esc(text.slice(cursor, s.start)) + '<span class="s ' + s.label + '" data-label="' + s.label +
      '" title="' + esc(tip) + '">' + esc(text.slice(s.start, s.end)) + "</span>";
    cursor = s.end;
  }}
  document.getElementById("article").innerHTML = html + esc(text.slice(cursor));
  for (const l of labels) document.getElementById("count-" + l).textContent = counts[l];
  applyFilter();
}}
function applyFilter() {{
  const only = document.querySelector('input[name="only"]:checked').value;
  for (const el of document.querySelectorAll("#article .s"))
    el.classList.toggle("dim", only !== "" && el.dataset.label !== only);
}}
document.querySelectorAll('input[name="only"]').forEach(r => r.addEventListener("change", applyFilter));
document.getElementById("go").addEventListener("click", async () => {{
  const text = document.getElementById("text").value, status = document.getElementById("status");
  status.textContent = "Tagging…";
  try {{
    const response = await fetch("/v1/tag", {{method: "POST", headers: {{"Content-Type": "application/json"}},
                                            body: JSON.stringify({{text}})}});
    const body = await response.json();
    if (!response.ok) {{ status.textContent = body.error ? body.error.message : "error " + response.status; return; }}
    status.textContent = "";
    render(text, body.articles[0].sentences);
  }} catch (e) {{ status.textContent = "request failed: " + e; }}
}});
</script></body></html>
"""
