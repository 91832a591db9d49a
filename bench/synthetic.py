#!/usr/bin/env python3
"""Generate a synthetic essay collection for scale tests: N essays of about M words each, with
sections, emphasis, block quotes, lists, links between essays and footnotes (every essay
numbers its own notes from [^1]). Deterministic for a given seed.

Writes an anthology collection (anthology.yaml + essays/) and, for the peers, meta.yaml and
essays.txt (the layout of ../shared/corpus).

    bench/synthetic.py OUT_DIR -n 1000 -m 2000 [--seed 1]
"""
import argparse
import os
import random

WORDS = """the of and to in a is that it was for on as with his he be at by i this had not are
but from or have an they which one you were her all she there would their we him been has when
who will more no if out so said what up its about into than them can only other new some could
time these two may then do first any my now such like our over man me even most made after also
did many before must through back years where much your way well down should because each just
those people how too little state good very make world still own see men work long get here
between both life being under never day same another know while last might us great old year off
come since against go came right used take three reading memory essay margin ledger library
shelf pencil page letter argument answer question window river lamp winter garden""".split()


def sentence(rng, lo=6, hi=22):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = "*" + words[i] + "*"
    if rng.random() < 0.1:
        i = rng.randrange(len(words))
        words[i] = "**" + words[i] + "**"
    return (" ".join(words)).capitalize() + rng.choice([".", ".", ".", "?", ";"])


def essay(rng, index, count, target):
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).title()
    out = [f"---\ntitle: \"On {title}\"\nauthor: Author {index % 37 + 1}\n---\n", f"# On {title}\n"]
    words, notes, section = 0, 0, 0
    while words < target:
        roll = rng.random()
        if roll < 0.06:
            section += 1
            out.append(f"## Section {section}: {rng.choice(WORDS).title()}\n")
        elif roll < 0.10:
            out.append("> " + sentence(rng) + " " + sentence(rng) + "\n")
        elif roll < 0.13:
            out.append("\n".join("- " + sentence(rng, 3, 9) for _ in range(rng.randint(2, 5))) + "\n")
        else:
            sentences = [sentence(rng) for _ in range(rng.randint(3, 7))]
            if rng.random() < 0.25:
                notes += 1
                sentences[-1] += f"[^{notes}]"
            if rng.random() < 0.05 and count > 1:
                other = rng.randrange(count)
                sentences[0] += f" (see [essay {other + 1}](e{other:05d}.md))"
            out.append(" ".join(sentences) + "\n")
        words += sum(len(p.split()) for p in out[-1:])
    for n in range(1, notes + 1):
        out.append(f"[^{n}]: " + sentence(rng, 5, 15) + "\n")
    return title, "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("-n", "--essays", type=int, default=100)
    ap.add_argument("-m", "--words", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    essays_dir = os.path.join(a.out, "essays")
    os.makedirs(essays_dir, exist_ok=True)
    names = []
    for i in range(a.essays):
        _, text = essay(rng, i, a.essays, a.words)
        name = f"e{i:05d}.md"
        with open(os.path.join(essays_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
        names.append(name)
    title = f"Synthetic {a.essays} x {a.words}"
    with open(os.path.join(a.out, "anthology.yaml"), "w", encoding="utf-8") as f:
        f.write(f"title: \"{title}\"\nlanguage: en\ncreators:\n  - name: Bench Editor\n    role: editor\ncontents:\n")
        f.writelines(f"  - essays/{n}\n" for n in names)
    # The layout of ../shared/corpus, for the peers (essays are in essays/ there too).
    with open(os.path.join(a.out, "meta.yaml"), "w", encoding="utf-8") as f:
        f.write(f"title: \"{title}\"\nauthors: [Bench Editor]\nlanguage: en\nyear: 2026\n")
    with open(os.path.join(a.out, "essays.txt"), "w", encoding="utf-8") as f:
        f.writelines(f"essays/{n}\n" for n in names)


if __name__ == "__main__":
    main()
