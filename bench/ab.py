"""A/B of two anthology binaries: `python3 bench/ab.py OLD NEW RUNS DIR...`

The same collections (corpus folders, as bench/compare.sh reads them) built by both binaries,
interleaved, RUNS times each: medians of wall and CPU time, and the entries of the books that
differ (a refactoring must leave none)."""
import os, sys, statistics, subprocess, time, tempfile, zipfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare
old, new, runs = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), int(sys.argv[3])
for src in sys.argv[4:]:
    work = tempfile.mkdtemp()
    title, lang, authors, files, has = compare.collection(src)
    d = compare.prepare_anthology(src, work, has, title, lang, authors, files)
    res = {old: [], new: []}
    for i in range(runs):
        for b in (old, new):
            out = os.path.join(work, f"{'old' if b == old else 'new'}.epub")
            w, c, _ = compare.timed([b, "build", d, "-o", out], d)
            res[b].append((w, c))
    med = {b: (statistics.median(x[0] for x in r), statistics.median(x[1] for x in r)) for b, r in res.items()}
    zo, zn = zipfile.ZipFile(os.path.join(work, "old.epub")), zipfile.ZipFile(os.path.join(work, "new.epub"))
    diff = [n for n in zn.namelist() if n not in zo.namelist() or zo.read(n) != zn.read(n)]
    print(f"{os.path.basename(src.rstrip('/'))}: wall old {med[old][0]*1000:.1f} ms new {med[new][0]*1000:.1f} ms ({med[new][0]/med[old][0]:.3f}); "
          f"cpu old {med[old][1]*1000:.1f} new {med[new][1]*1000:.1f} ({med[new][1]/med[old][1]:.3f}); entries differing: {len(diff)} {diff[:5]}")
