"""Checks the library's module graph: no import circles between the top-level modules
of src/, and no import from a shared layer (errors, positions, CI context, git, forge,
files, versions) up into a capability. Prints the graph's size, the longest files and
functions, and fails with the offending imports.

An import is any `crate::NAME` path in a module's files (tests included): what the
compiler would need to build the module alone."""

import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
SHARED = {"error", "location", "ci", "git", "forge", "fsio", "version"}
EDGES_ONLY = {"cli", "bin", "lib", "main"}


def top_level(rel):
    first = rel.split(os.sep)[0]
    return first[:-3] if first.endswith(".rs") else first


def main():
    modules = {top_level(f) for f in os.listdir(ROOT)} - EDGES_ONLY
    edges = {m: set() for m in modules}
    where = {}
    lines, functions = [], []
    for base, _, files in os.walk(ROOT):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(base, name)
            rel = os.path.relpath(path, ROOT)
            text = open(path, encoding="utf-8").read()
            lines.append((text.count("\n"), rel))
            functions.extend(longest_functions(text, rel))
            source = top_level(rel)
            if source not in modules:
                continue
            paths = re.findall(r"crate::(\w+)", text)
            for group in re.findall(r"use crate::\{([^}]*)\}", text, re.S):
                paths += re.findall(r"(?:^|,)\s*(\w+)", group)
            for target in paths:
                if target in modules and target != source:
                    edges[source].add(target)
                    where.setdefault((source, target), rel)
    upward = sorted((a, b) for a in edges for b in edges[a] if a in SHARED and b not in SHARED)
    circles = cycles(edges)
    print(f"modules: {len(modules)}, imports between them: {sum(len(v) for v in edges.values())}, "
          f"upward from a shared layer: {len(upward)}, circles: {len(circles)}")
    print("longest files: " + ", ".join(f"{r} ({n})" for n, r in sorted(lines, reverse=True)[:3]))
    print("longest functions: " + ", ".join(f"{r} ({n})" for n, r in sorted(functions, reverse=True)[:3]))
    for a, b in upward:
        print(f"upward import: {where[(a, b)]} uses crate::{b} (a shared layer must not know a capability)")
    for circle in circles:
        print("import circle: " + " -> ".join(sorted(circle)))
    return 1 if upward or circles else 0


def longest_functions(text, rel):
    found = []
    rows = text.split("\n")
    for i, row in enumerate(rows):
        m = re.match(r"^(\s*)(?:pub(?:\([\w:]+\))? )?(?:async )?fn (\w+)", row)
        if not m or row.rstrip().endswith(";"):
            continue
        indent = m.group(1)
        for j in range(i + 1, len(rows)):
            if rows[j] == indent + "}":
                found.append((j - i + 1, f"{rel}:{m.group(2)}"))
                break
    return found


def cycles(edges):
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return groups


if __name__ == "__main__":
    sys.exit(main())
