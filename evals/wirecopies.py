"""How many near-duplicate ("wire copy") groups a corpus holds: MinHash LSH, checked by exact Jaccard.

Part 1 (always): the groups in a corpus, with datasketch (see docs/wirecopies.md). Each article is cut
into word 5-shingles (lowercased words); datasketch's MinHash (128 permutations) and MinHashLSH
propose candidate pairs, and a pair counts only if the exact Jaccard similarity of the two shingle
sets reaches the threshold. Groups are the connected components of those pairs.

    python evals/wirecopies.py --data ../shared/benchmarks/realtimeqa-2023q4 [--threshold 0.5 0.7 0.9]

Part 2 (``--edited N``): RealTimeQA has no real wire copies, so N of its articles get two edited
copies each (``edited_copy``: another outlet's byline and credit line, "per cent"/"%" rewrites, a
"Read more" line, a trimmed ending, a few words changed); for word shingles of 3, 5 and 7 it prints
the copies' Jaccard similarity to their original and the pairs of *distinct* RealTimeQA articles
that would pass the same threshold (false copies).

Part 3 (``--store HOME``, a store of RealTimeQA articles that this run may change: use a copy):
``bot copies --relink`` time and groups, answer recall@5 of the answerable questions with copy
collapsing off and on; then two edited copies of the article that answers each question are
ingested (detection time reported) and recall@5 is measured again, off and on.

    python evals/wirecopies.py --data ../shared/benchmarks/realtimeqa-2023q4 --edited 300 \
        --store /tmp/rtqa-small-copy
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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
    parser.add_argument("--edited", type=int, default=0, help="part 2: articles given edited copies")
    parser.add_argument("--store", type=Path, help="part 3: a RealTimeQA store this run may change (a copy)")
    parser.add_argument("--seed", type=int, default=0)
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
    if args.edited:
        edited_copies_table(articles, args.edited, args.seed)
    if args.store:
        store_effect(args.data, args.store, args.seed)
    return 0


OUTLETS = ["The Daily Herald", "Coast Times", "Valley Post", "Northern Courier", "Metro Ledger"]
SWAPS = {"percent": "per cent", "said": "says", "U.S.": "US", "Monday": "on Monday", "about": "around"}


def edited_copy(text: str, rng: random.Random, outlet: str) -> str:
    """How an outlet republishes an agency story: its own byline, ``SWAPS`` applied to about half
    of their occurrences, a "Read more" line in the middle, sometimes the last paragraph or two
    cut, sometimes a sentence of its own added, and a credit line at the end."""
    paras = [p for p in text.split("\n") if p.strip()]
    if len(paras) < 4:  # one block of text: work on sentences
        paras = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
    if len(paras) > 6 and rng.random() < 0.5:
        paras = paras[: len(paras) - rng.randint(1, 2)]
    out = []
    for p in paras:
        words = p.split(" ")
        words = [SWAPS.get(w, w) if w in SWAPS and rng.random() < 0.5 else w for w in words]
        out.append(" ".join(words))
    out.insert(len(out) // 2, f"Read more: the latest from {outlet}")
    if rng.random() < 0.5:
        out.insert(1, f"{outlet} has asked the people named in this story for comment.")
    return "\n\n".join(
        [f"By {outlet} staff", *out, f"(Additional reporting by {outlet}; editing by the news desk)"]
    )


def edited_copies_table(articles: list[dict[str, Any]], n: int, seed: int) -> None:
    """Part 2: copies' similarity to their original and false copies among distinct articles, by shingle size."""
    from bot.index.copies import band_keys, jaccard, signature
    from bot.index.copies import shingles as shingles_of

    rng = random.Random(seed)
    pool = [a for a in articles if len(a["text"].split()) >= 150]
    chosen = rng.sample(pool, min(n, len(pool)))
    print(f"\n{len(chosen)} articles of >= 150 words, two edited copies each (seed {seed})\n")
    print(
        "| shingle words | copies' Jaccard: min / p10 / median | copies found at 0.5 (LSH + check) | distinct-article pairs >= 0.3 / 0.5 in RealTimeQA | ms an article |"
    )
    print("|---|---|---|---|---|")
    for size in (3, 5, 7):
        sims, found = [], 0
        for a in chosen:
            base = shingles_of(a["text"], size)
            keys = set(band_keys(signature(base)))
            for outlet in rng.sample(OUTLETS, 2):
                copy = shingles_of(edited_copy(a["text"], rng, outlet), size)
                sims.append(jaccard(base, copy))
                found += bool(keys & set(band_keys(signature(copy)))) and sims[-1] >= 0.5
        t0 = time.process_time()
        sets = [shingles_of(a["text"], size) for a in articles]
        buckets: dict[int, list[int]] = {}
        for i, s in enumerate(sets):
            for k in band_keys(signature(s)):
                buckets.setdefault(k, []).append(i)
        per = 1000 * (time.process_time() - t0) / len(articles)
        cands = {(i, j) for ids in buckets.values() for i in ids for j in ids if i < j}
        sims_all = [jaccard(sets[i], sets[j]) for i, j in cands]
        false3 = sum(1 for x in sims_all if x >= 0.3)
        false5 = sum(1 for x in sims_all if x >= 0.5)
        sims.sort()
        print(
            f"| {size} | {sims[0]:.2f} / {sims[len(sims) // 10]:.2f} / {sims[len(sims) // 2]:.2f} | "
            f"{found} of {len(sims)} | {false3} / {false5} | {per:.1f} |"
        )
    print("\n(The RealTimeQA pairs at >= 0.5 are the scraping artefacts of part 1, not stories.)")


def store_effect(data: Path, home: Path, seed: int) -> None:
    """Part 3: relink, recall@5 off/on, then edited copies of each question's answering article."""
    from datetime import date

    from bot.config import Config
    from bot.service import Bot
    from evals.realtimeqa import answer_rank, choose_questions, load_jsonl

    config = Config.from_env(home=home)
    questions = choose_questions(load_jsonl(data / "questions.jsonl"), None)
    bot = Bot(config, llm=None)
    t0 = time.perf_counter()
    n_docs, n_links = bot.indexer.link_copies()
    print(
        f"\nstore {home}: relinked {n_docs} documents in {time.perf_counter() - t0:.1f} s: {n_links} copy pairs"
    )

    def recall(label: str) -> dict[str, str]:
        found: dict[str, str] = {}  # question id -> the article of its first answering passage
        row = []
        for threshold in (0.0, config.copy_threshold):
            b = Bot(config.with_(copy_threshold=threshold), llm=None)
            hits, crowd = 0, 0
            for q in questions:
                passages = b.search(q["question"], k=5, as_of=date.fromisoformat(q["date"])).passages
                rank = answer_rank(passages, q["answer"])
                hits += rank is not None
                if rank is not None and threshold == 0.0:
                    found[q["id"]] = passages[rank - 1].doc_id
                bases = [p.doc_id.split("-copy-")[0] for p in passages]
                crowd += sum(
                    1
                    for i, p in enumerate(passages)
                    if any(bases[j] == bases[i] and passages[j].doc_id != p.doc_id for j in range(i))
                )  # top-5 slots given to another copy of a story already shown
            row.append(
                f"{hits / len(questions):.3f} ({hits}/{len(questions)}), {crowd} slots to repeat copies"
            )
            b.catalog.close()
        print(f"| {label} | {row[0]} | {row[1]} |")
        return found

    print("\n| store | recall@5, copies not collapsed | recall@5, one article a story |\n|---|---|---|")
    answering = recall(f"as built ({bot.catalog.count()[0]} articles)")
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "copies.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for doc_id in sorted(set(answering.values())):
                doc = bot.catalog.doc(doc_id)
                text = bot.catalog.text(doc_id) or ""
                for outlet in rng.sample(OUTLETS, 2):
                    record = {
                        "id": f"{doc_id}-copy-{outlet.lower().replace(' ', '-')}",
                        "title": doc.title if doc else "",
                        "text": edited_copy(text, rng, outlet),
                        "published": doc.published if doc else None,
                        "source": outlet,
                    }
                    out.write(json.dumps(record) + "\n")
        t1 = time.perf_counter()
        results = bot.ingest([path])
        took = time.perf_counter() - t1
    linked = sum(1 for r in results if r.copy_of)
    print(
        f"+ {len(results)} edited copies of the {len(set(answering.values()))} answering articles "
        f"({linked} found as copies; ingest {took:.1f} s, of it copy detection {bot.indexer.copy_seconds:.1f} s)"
    )
    recall("with the copies")


def _site(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


if __name__ == "__main__":
    sys.exit(main())
