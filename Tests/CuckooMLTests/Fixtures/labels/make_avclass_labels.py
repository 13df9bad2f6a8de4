#!/usr/bin/env python3
"""AVClass2's family for each report of a directory, as `report<TAB>family` (`none` where AVClass names
no family: its SINGLETON:hash or `-`, or where the report has no VirusTotal scans).

Usage: make_avclass_labels.py REPORTS_DIR AVCLASS > avclass-cuckoo-reports.tsv
(AVCLASS: the `avclass` command of avclass-malicialab 2.8.10, e.g. from ../shared/oracle/setup.sh --avclass.)
Runs AVClass with its default taxonomy, tagging and expansion files and `-hash md5`, on one JSON line
per report: {"md5": NAME, "sha1": NAME, "sha256": NAME, "scans": <virustotal.scans>}."""
import glob, json, os, subprocess, sys, tempfile

reports_dir, avclass = sys.argv[1], sys.argv[2]
names = []
with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as lines:
    for path in sorted(glob.glob(os.path.join(reports_dir, "*.json"))):
        name = os.path.basename(path)[:-5]
        names.append(name)
        with open(path, "rb") as f:
            scans = (json.load(f).get("virustotal") or {}).get("scans")
        if scans:
            lines.write(json.dumps({"md5": name, "sha1": name, "sha256": name, "scans": scans}) + "\n")
out = subprocess.run([avclass, "-f", lines.name, "-hash", "md5"], capture_output=True, text=True, check=True).stdout
os.unlink(lines.name)
family = {}
for line in out.splitlines():
    name, label = line.split("\t")[:2]
    family[name] = "none" if label.startswith("SINGLETON:") or label == "-" else label
print("report\tfamily")
for name in sorted(names, key=lambda n: (len(n), n)):
    print(f"{name}\t{family.get(name, 'none')}")
