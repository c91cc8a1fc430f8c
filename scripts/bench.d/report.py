#!/usr/bin/env python3
"""Aggregates scripts/bench results into one Markdown table.

Input: results.tsv with lines  row<TAB>system<TAB>value<TAB>note  where system is baton, ansible or
salt, value a number (one line per repetition) or "!" followed by why it is missing. rows.tsv
describes each row: row<TAB>label<TAB>unit<TAB>better(lower|higher)<TAB>target expression.
Prints the table (and writes it to the path given as the second argument).
"""
import statistics
import sys


def fmt(value, unit):
    if value is None:
        return "-"
    if unit == "s":
        return f"{value:.3f} s" if value < 100 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.3f} ms" if value < 10 else f"{value:.1f} ms"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "%":
        return f"{value:.3f} %"
    if unit == "B":
        return f"{value:.0f} B"
    if unit == "ns":
        if value >= 1e6:
            return f"{value / 1e6:.2f} ms"
        if value >= 1e4:
            return f"{value / 1e3:.1f} µs"
        return f"{value:.0f} ns" if value >= 100 else f"{value:.1f} ns"
    if unit == "steps/s":
        return f"{value:.0f} steps/s"
    return f"{value:g} {unit}"


def main():
    results_path, rows_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    rows = []
    meta = {}
    with open(rows_path) as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 5 or parts[0] in meta:
                continue
            rows.append(parts[0])
            meta[parts[0]] = {"label": parts[1], "unit": parts[2], "better": parts[3], "target": parts[4]}
    values = {}
    notes = {}
    with open(results_path) as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            row, system, value = parts[0], parts[1], parts[2]
            note = parts[3] if len(parts) > 3 else ""
            if value.startswith("!"):
                notes[(row, system)] = value[1:].strip()
                continue
            try:
                values.setdefault((row, system), []).append(float(value))
            except ValueError:
                notes[(row, system)] = value
            if note:
                notes.setdefault((row, system, "note"), note)

    header = "| workload | Baton median | Baton min | Baton max | Ansible median | Salt median | Ansible/Baton | Salt/Baton | target | met? |"
    lines = [header, "|" + "---|" * 10]
    for row in rows:
        info = meta[row]
        unit = info["unit"]
        baton = values.get((row, "baton"), [])
        b_med = statistics.median(baton) if baton else None
        # W6 rows carry the microbenchmark's own median, min and max (not repetitions).
        counted = len(baton) > 1 and not row.startswith("W6.")
        cells = [info["label"] + (f" (n={len(baton)})" if counted else "")]
        if baton:
            cells += [fmt(b_med, unit), fmt(min(baton), unit), fmt(max(baton), unit)]
        else:
            why = notes.get((row, "baton"), "not measured")
            cells += [f"n/a: {why}", "-", "-"]
        peer_medians = {}
        for peer in ("ansible", "salt"):
            samples = values.get((row, peer), [])
            if samples:
                peer_medians[peer] = statistics.median(samples)
                cells.append(fmt(peer_medians[peer], unit) + (f" (n={len(samples)})" if len(samples) > 1 else ""))
            else:
                cells.append(notes.get((row, peer), "-"))
        for peer in ("ansible", "salt"):
            if peer in peer_medians and b_med:
                ratio = peer_medians[peer] / b_med if info["better"] == "lower" else b_med / peer_medians[peer]
                cells.append(f"{ratio:.1f}x")
            else:
                cells.append("-")
        target = info["target"]
        cells.append(target if target else "-")
        cells.append(verdict(target, b_med, peer_medians, info) if target else "-")
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    with open(out_path, "w") as handle:
        handle.write(table + "\n")


def verdict(target, baton, peers, info):
    """Targets: '<= X', '>= X', 'ansible >= Kx', 'salt >= Kx', several joined with ';'."""
    if baton is None:
        return "not measured"
    results = []
    for clause in target.split(";"):
        clause = clause.strip()
        words = clause.split()
        if len(words) == 2 and words[0] in ("<=", "<", ">=", ">"):
            limit = float(words[1])
            ok = {"<=": baton <= limit, "<": baton < limit, ">=": baton >= limit, ">": baton > limit}[words[0]]
            factor = baton / limit if limit else float("inf")
            results.append(("met" if ok else "MISSED") + (f" ({factor:.2f}x of limit)" if not ok else ""))
        elif len(words) == 3 and words[0] in ("ansible", "salt") and words[2].endswith("x"):
            wanted = float(words[2][:-1])
            if words[0] not in peers:
                results.append(f"{words[0]}: no figure")
                continue
            ratio = peers[words[0]] / baton if info["better"] == "lower" else baton / peers[words[0]]
            ok = ratio >= wanted
            results.append(f"{words[0]} {'met' if ok else 'MISSED'} ({ratio:.1f}x of {wanted:g}x)")
    return "; ".join(results)


if __name__ == "__main__":
    main()
