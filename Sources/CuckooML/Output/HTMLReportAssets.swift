/// The report page's inline style sheet and script. The script only enhances tables marked
/// `interactive` (sort by a heading click, a filter box, pages of 50 rows); without it every row
/// shows, so the page reads the same with scripts off. No network, fonts or external files.
enum HTMLReportAssets {
    /// Tables right-align numeric columns with classes n1...nK on the table (column 1...K), and let
    /// columns of long unbroken text break anywhere with w1...wK.
    static let columnClasses = 12

    static let style: String = {
        let numeric = (1...columnClasses).map { ".n\($0) td:nth-child(\($0))" }.joined(separator: ",")
        let wrapping = (1...columnClasses).map { ".w\($0) td:nth-child(\($0))" }.joined(separator: ",")
        return """
            :root{--ink:#1d2430;--muted:#5b6472;--line:#e3e6ea;--accent:#2f6db5;--bg:#f4f6f8}
            body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
            header{background:#1f2a3a;color:#fff;padding:1.1em 2em .9em}
            header h1{margin:0;font-size:1.5em;font-weight:600}
            .subtitle{color:#c9d3e0;margin:.2em 0 .6em}
            nav{display:flex;flex-wrap:wrap;gap:.2em 1.4em}
            nav a{color:#cfe0ff;text-decoration:none;font-size:.92em}
            nav a:hover{text-decoration:underline}
            main{max-width:1200px;margin:0 auto;padding:.6em 2em 3em}
            section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.5em 1.4em 1.1em;margin:1.1em 0}
            section.family{border-left:4px solid var(--accent)}
            h2{font-size:1.25em;margin:.5em 0 .5em}
            h3{font-size:1em;margin:1.1em 0 .3em;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
            p{margin:.4em 0}
            a{color:var(--accent)}
            .metrics{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:.7em;margin:.6em 0}
            .metric{border:1px solid var(--line);border-radius:6px;padding:.5em .8em;background:#fafbfc}
            .metric .value{font-size:1.55em;font-weight:600;font-variant-numeric:tabular-nums}
            .metric .name{font-weight:600;font-size:.92em}
            .metric .meaning{color:var(--muted);font-size:.82em;line-height:1.35}
            table{border-collapse:collapse;margin:.4em 0;font-size:.87em}
            th,td{border-bottom:1px solid var(--line);padding:.28em .7em;text-align:left;vertical-align:top}
            td{max-width:46em;overflow-wrap:break-word}
            \(wrapping){overflow-wrap:anywhere;min-width:12em}
            th{background:#eef1f5;font-weight:600}
            tbody tr:hover{background:#f7f9fc}
            table.facts th{width:13em;background:none;font-weight:normal;color:var(--muted)}
            \(numeric){text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            table.interactive th{cursor:pointer;user-select:none}
            th.asc::after{content:" \\25B2";font-size:.7em}th.desc::after{content:" \\25BC";font-size:.7em}
            .controls{display:flex;flex-wrap:wrap;gap:.8em;align-items:center;margin:.5em 0;font-size:.87em;color:var(--muted)}
            .controls input{padding:.25em .5em;border:1px solid #c8ced6;border-radius:4px;min-width:16em;font:inherit}
            .controls button{font:inherit;padding:.15em .7em;border:1px solid #c8ced6;border-radius:4px;background:#fff;cursor:pointer}
            .bars{max-width:46em;margin:.4em 0}
            .bar{display:grid;grid-template-columns:minmax(8em,14em) 1fr 6.5em;gap:.6em;align-items:center;font-size:.87em}
            .bar .label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
            .track{background:#eef1f5;height:.85em;border-radius:3px;overflow:hidden}
            .fill{display:block;height:100%;background:var(--accent)}
            .bar .count{color:var(--muted);font-variant-numeric:tabular-nums}
            .figures{display:flex;flex-wrap:wrap;gap:1em}figure{margin:.4em 0;overflow-x:auto;max-width:100%}
            figcaption{color:var(--muted);font-size:.85em}
            figure.map svg{max-width:100%;height:auto}
            .columns{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:0 2.2em;align-items:start}
            @media (max-width:900px){.columns{grid-template-columns:minmax(0,1fr)}}
            .columns table:not(.facts){width:100%}
            details{margin:.5em 0}
            summary{cursor:pointer;font-weight:600;color:var(--accent)}
            .note{color:var(--muted);font-size:.88em}
            """
    }()

    static let script = """
        (function(){
          function text(cell){ return cell ? cell.textContent : ""; }
          function enhance(table){
            var PAGE = parseInt(table.getAttribute("data-page"), 10) || 50;
            var body = table.tBodies[0]; if (!body) return;
            var rows = Array.prototype.slice.call(body.rows), shown = rows, page = 0, lower = null;
            var bar = document.createElement("div"); bar.className = "controls";
            var box = document.createElement("input"); box.type = "search"; box.placeholder = "filter rows\\u2026";
            var info = document.createElement("span");
            var prev = document.createElement("button"); prev.textContent = "\\u2039 previous";
            var next = document.createElement("button"); next.textContent = "next \\u203A";
            bar.appendChild(box); bar.appendChild(prev); bar.appendChild(next); bar.appendChild(info);
            table.parentNode.insertBefore(bar, table);
            function draw(){
              var pages = Math.max(1, Math.ceil(shown.length / PAGE));
              if (page >= pages) page = pages - 1;
              var from = page * PAGE, to = Math.min(shown.length, from + PAGE);
              for (var i = 0; i < rows.length; i++) rows[i].style.display = "none";
              for (var j = from; j < to; j++) shown[j].style.display = "";
              info.textContent = shown.length + (shown.length === rows.length ? " rows" : " of " + rows.length + " rows")
                + (pages > 1 ? " \\u00B7 page " + (page + 1) + " of " + pages : "");
              prev.disabled = page === 0; next.disabled = page >= pages - 1;
              prev.style.display = next.style.display = pages > 1 ? "" : "none";
            }
            var timer = null;
            box.addEventListener("input", function(){
              clearTimeout(timer);
              timer = setTimeout(function(){
                var q = box.value.toLowerCase();
                if (!lower) lower = rows.map(function(r){ return r.textContent.toLowerCase(); });
                shown = q ? rows.filter(function(r, i){ return lower[i].indexOf(q) >= 0; }) : rows;
                page = 0; draw();
              }, 150);
            });
            prev.addEventListener("click", function(){ page--; draw(); });
            next.addEventListener("click", function(){ page++; draw(); });
            var heads = table.tHead ? table.tHead.rows[0].cells : [];
            Array.prototype.forEach.call(heads, function(th, col){
              th.title = "sort";
              th.addEventListener("click", function(){
                var up = !th.classList.contains("asc");
                Array.prototype.forEach.call(heads, function(h){ h.classList.remove("asc", "desc"); });
                th.classList.add(up ? "asc" : "desc");
                var numeric = th.getAttribute("data-type") === "number";
                var keyed = rows.map(function(r, i){
                  var t = text(r.cells[col]);
                  return { r: r, i: i, k: numeric ? parseFloat(t) : t.toLowerCase() };
                });
                keyed.sort(function(a, b){
                  var x = a.k, y = b.k, c;
                  if (numeric) {
                    var xn = isNaN(x), yn = isNaN(y);
                    c = xn || yn ? (xn === yn ? 0 : (xn ? 1 : -1)) : (x - y) * (up ? 1 : -1);
                  } else c = (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
                  return c || a.i - b.i;
                });
                var order = keyed.map(function(e){ return e.r; });
                if (lower) { var idx = keyed.map(function(e){ return e.i; }); lower = idx.map(function(i){ return lower[i]; }); }
                rows = order;
                var frag = document.createDocumentFragment();
                rows.forEach(function(r){ frag.appendChild(r); });
                body.appendChild(frag);
                var q = box.value.toLowerCase();
                shown = q && lower ? rows.filter(function(r, i){ return lower[i].indexOf(q) >= 0; }) : rows;
                page = 0; draw();
              });
            });
            draw();
          }
          Array.prototype.forEach.call(document.querySelectorAll("table.interactive"), enhance);
        })();
        """
}
