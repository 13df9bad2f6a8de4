#!/usr/bin/env python3
"""Writes counts.tsv: per real report in ../shared/data/{cuckoo,cape}-reports, the number of items
the reader should extract for each field, computed independently with Python's json module.
Numbers only (plus the file name as the sample id). Run from the repository root:
    python3 Tests/CuckooMLTests/Fixtures/reports/make_counts.py ../shared/data > Tests/CuckooMLTests/Fixtures/reports/counts.tsv
"""
import calendar, datetime, glob, json, os, sys

COLUMNS = ["corpus", "id", "dialect", "file_size", "pe_timestamp", "dlls", "functions", "imported_dll_count",
           "versioninfo", "languages", "signatures", "api_distinct", "api_total", "processes",
           "file_read", "file_written", "file_deleted", "file_copied", "file_moved", "file_opened",
           "file_exists", "file_failed", "file_recreated", "reg_written", "reg_deleted", "reg_opened",
           "mutexes", "dlls_loaded", "commands", "resolved_apis", "tcp", "udp", "dns", "dns_a", "http",
           "hosts", "vt_scans", "vt_detected", "vt_positives", "vt_not_scanned", "string_bytes"]

def obj(v): return v if isinstance(v, dict) else {}
def arr(v): return v if isinstance(v, list) else []
def strs(v): return [x for x in arr(v) if isinstance(x, str)]
def flat(v):
    out = []
    for x in arr(v):
        if isinstance(x, str): out.append(x)
        elif isinstance(x, list): out += [y for y in x if isinstance(y, str)]
    return out

def utf8(s): return len(s.encode("utf-8", "surrogatepass"))

def string_bytes(summ, pe, p, d):
    """UTF-8 bytes of the decoded strings in the behaviour summary, version info and signature
    descriptions: catches escape-decoding mistakes that counts alone would miss."""
    total = 0
    for k, v in summ.items():
        if k in ("file_copied", "file_moved"): total += sum(utf8(x) for x in flat(v))
        elif k.startswith(("file_", "regkey_written", "regkey_deleted", "regkey_opened")) or k in (
                "mutex", "dll_loaded", "command_line", "files", "read_files", "write_files", "delete_files",
                "keys", "write_keys", "delete_keys", "mutexes", "executed_commands", "resolved_apis"):
            total += sum(utf8(x) for x in strs(v))
    for v in arr(pe.get(p("versioninfo"))):
        if isinstance(v.get("value"), str) and isinstance(v.get("name"), str): total += utf8(v["value"])
    for s in arr(d.get("signatures")):
        if isinstance(s.get("description"), str) and isinstance(s.get("name"), str): total += utf8(s["description"])
    return total

def row(corpus, path):
    d = json.load(open(path, encoding="utf-8"))
    info, target = obj(d.get("info")), obj(d.get("target"))
    f = obj(target.get("file"))
    cape = "pe" in f or "CAPE" in str(info.get("version", ""))
    pe = obj(f.get("pe")) if "pe" in f else obj(d.get("static"))
    p = (lambda k: "pe_" + k) if "static" in d and "pe" not in f else (lambda k: k)
    beh = obj(d.get("behavior")); summ = obj(beh.get("summary")); net = obj(d.get("network"))
    cape = cape or any(k in summ for k in ("files", "keys", "mutexes", "read_files", "api_calls", "resolved_apis"))
    imports = pe.get(p("imports"))
    libs = list(imports.values()) if isinstance(imports, dict) else arr(imports)
    libs = [l for l in libs if isinstance(l, dict)]
    functions = sum(1 for l in libs for i in arr(l.get("imports")) if isinstance(i, dict) and isinstance(i.get("name"), str))
    ts = pe.get(p("timestamp"))
    tsv = calendar.timegm(datetime.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S").timetuple()) if isinstance(ts, str) else ""
    api = {}
    if isinstance(beh.get("apistats"), dict):
        for per in beh["apistats"].values():
            for k, v in obj(per).items(): api[k] = api.get(k, 0) + max(0, v)
    elif isinstance(summ.get("api_calls"), list):
        for c in summ["api_calls"]: api[c["name"]] = api.get(c["name"], 0) + (1 if c["count"] < 0 else c["count"])
    else:
        for pr in arr(beh.get("processes")):
            for c in arr(obj(pr).get("calls")):
                if isinstance(c.get("api"), str): api[c["api"]] = api.get(c["api"], 0) + 1
    procs = [x for x in arr(beh.get("processes")) if isinstance(obj(x).get("process_name"), str)]
    def both(a, b): return len(strs(summ.get(a))) + len(strs(summ.get(b)))
    dns = [x for x in arr(net.get("dns")) if isinstance(x, dict)]
    vt = d.get("virustotal")
    scans = obj(obj(vt).get("scans"))
    results = arr(obj(vt).get("results"))
    detected = sum(1 for s in scans.values() if obj(s).get("detected") is True) + sum(1 for r in results if r.get("sig"))
    not_scanned = int(isinstance(vt, dict) and not scans and not results and "error" in obj(vt.get("summary")))
    hosts = sum(1 for h in arr(net.get("hosts")) if isinstance(h, str) or isinstance(obj(h).get("ip"), str))
    vals = [corpus, os.path.basename(path)[:-5], "cape" if cape else "cuckoo", f.get("size", ""), tsv,
            len(libs), functions, pe.get("imported_dll_count", ""),
            len(arr(pe.get(p("versioninfo")))), sum(1 for r in arr(pe.get(p("resources"))) if isinstance(r.get("language"), str)),
            len(arr(d.get("signatures"))), len(api), sum(api.values()), len(procs),
            both("file_read", "read_files"), both("file_written", "write_files"), both("file_deleted", "delete_files"),
            len(flat(summ.get("file_copied"))), len(flat(summ.get("file_moved"))), both("file_opened", "files"),
            len(strs(summ.get("file_exists"))), len(strs(summ.get("file_failed"))), len(strs(summ.get("file_recreated"))),
            both("regkey_written", "write_keys"), both("regkey_deleted", "delete_keys"), both("regkey_opened", "keys"),
            both("mutex", "mutexes"), len(strs(summ.get("dll_loaded"))), both("command_line", "executed_commands"),
            len(strs(summ.get("resolved_apis"))),
            len(arr(net.get("tcp"))), len(arr(net.get("udp"))), len(dns),
            sum(1 for x in dns for a in arr(x.get("answers")) if a.get("type") == "A"), len(arr(net.get("http"))), hosts,
            len(scans) + len(results), detected, obj(vt).get("positives", ""), not_scanned, string_bytes(summ, pe, p, d)]
    return "\t".join(str(v) for v in vals)

shared = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
print("\t".join(COLUMNS))
for corpus in ("cuckoo-reports", "cape-reports"):
    for path in sorted(glob.glob(os.path.join(shared, corpus, "*.json"))):
        print(row(corpus, path))
