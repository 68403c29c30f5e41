"""How many near-duplicate ("wire copy") groups a corpus holds: MinHash LSH, checked by exact Jaccard.

A measurement only (the bot does not group copies yet; see docs/wirecopies.md). Each article is cut
into word 5-shingles (lowercased words); datasketch's MinHash (128 permutations) and MinHashLSH
propose candidate pairs, and a pair counts only if the exact Jaccard similarity of the two shingle
sets reaches the threshold. Groups are the connected components of those pairs.

    python evals/wirecopies.py --data ../shared/benchmarks/realtimeqa-2023q4 [--threshold 0.5 0.7 0.9]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

SHINGLE = 5
PERMS = 128


def shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def groups(pairs: list[tuple[int, int]], n: int) -> list[list[int]]:
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[find(a)] = find(b)
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(find(i), []).append(i)
    return [m for m in members.values() if len(m) > 1]


def main() -> int:
    from datasketch import MinHash, MinHashLSH

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with articles.jsonl")
    parser.add_argument("--threshold", type=float, nargs="+", default=[0.5, 0.7, 0.9])
    parser.add_argument("--examples", type=int, default=5)
    args = parser.parse_args()
    articles = [json.loads(line) for line in (args.data / "articles.jsonl").open(encoding="utf-8")]
    t0, c0 = time.perf_counter(), time.process_time()
    sets = [shingles(a["text"]) for a in articles]
    signatures = []
    for s in sets:
        m = MinHash(num_perm=PERMS)
        m.update_batch([x.encode() for x in s])
        signatures.append(m)
    sig_s, sig_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"{len(articles)} articles; shingles + MinHash signatures: {sig_s:.1f} s wall, {sig_cpu:.1f} s CPU "
        f"({1000 * sig_cpu / len(articles):.1f} ms CPU an article)"
    )
    print(
        "\n| Jaccard ≥ | pairs | groups | articles in groups | largest group | groups spanning 2+ sites | LSH + check s |"
    )
    print("|---|---|---|---|---|---|---|")
    found: dict[float, list[list[int]]] = {}
    for threshold in args.threshold:
        t1 = time.perf_counter()
        lsh = MinHashLSH(threshold=max(0.3, threshold - 0.1), num_perm=PERMS)  # a little below: recall first
        for i, m in enumerate(signatures):
            lsh.insert(str(i), m)
        pairs = []
        for i, m in enumerate(signatures):
            for key in lsh.query(m):
                j = int(key)
                if j > i and jaccard(sets[i], sets[j]) >= threshold:
                    pairs.append((i, j))
        grouped = groups(pairs, len(articles))
        found[threshold] = grouped
        sites = sum(1 for g in grouped if len({_site(articles[i]["url"]) for i in g}) > 1)
        largest = max((len(g) for g in grouped), default=0)
        in_groups = sum(len(g) for g in grouped)
        print(
            f"| {threshold:.1f} | {len(pairs)} | {len(grouped)} | {in_groups} ({in_groups / len(articles):.1%}) | "
            f"{largest} | {sites} | {time.perf_counter() - t1:.1f} |"
        )
    middle = found[sorted(found)[len(found) // 2]]
    sizes = Counter(len(g) for g in middle)
    print(
        f"\nGroup sizes at Jaccard ≥ {sorted(found)[len(found) // 2]:.1f}: "
        + ", ".join(f"{n}×{k}" for k, n in sorted(sizes.items()))
    )
    print("\nLargest groups (title — site):")
    for g in sorted(middle, key=len, reverse=True)[: args.examples]:
        print(
            f"- {len(g)} copies: "
            + "; ".join(f"{articles[i]['title'][:60]} — {_site(articles[i]['url'])}" for i in g[:4])
        )
    return 0


def _site(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


if __name__ == "__main__":
    sys.exit(main())
