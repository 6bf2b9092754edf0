#!/usr/bin/env python3
"""Where the CPU goes in a `perf record` of affiche, by stage, from the symbols of its samples.

    python3 benches/cpu_split.py perf.data [out.tsv]

Each sample's symbol (no call graph: self time) goes to the first stage whose pattern matches
its name or library. Raster + PNG is what issue 6 calls "raster + encode"; the rest is outside.
"""
import collections, re, subprocess, sys

STAGES = [
    ("PNG", r"fdeflate|png::|adler|crc32"),
    ("JPEG decoding", r"jpeg_decoder|zune_jpeg|zune_core|affiche::photo::jpeg|rgb_to_rgba"),
    ("face detection", r"rustface|affiche::photo::face"),
    ("photo effects", r"affiche::photo::effects|imageproc"),
    ("resizing", r"fast_image_resize"),
    ("raster", r"tiny_skia|resvg::|affiche::(raster|template::canvas|pixel)|demultiply|premultiply"),
    ("parse, layout, text", r"usvg|roxmltree|rustybuzz|ttf_parser|fontdb|svgtypes|kurbo|simplecss"
     r"|affiche::(compose|text|template)"),
    ("memcpy, memset, allocator", r"mem(move|cpy|set)|_mi_|mi_|malloc|free"),
    ("kernel", r"\[k\]"),
]
INSIDE = ("raster", "PNG")


def split(data):
    out = subprocess.run(
        ["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio",
         "-g", "none", "--percent-limit", "0"],
        capture_output=True, text=True, check=True).stdout
    share = collections.Counter()
    for line in out.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+(\S+)\s+(\[.\])\s+(.*)", line)
        if not m:
            continue
        symbol = f"{m.group(3)} {m.group(4)} {m.group(2)}"
        stage = next((name for name, rx in STAGES if re.search(rx, symbol)), "other")
        share[stage] += float(m.group(1))
    return share


if __name__ == "__main__":
    share = split(sys.argv[1])
    total = sum(share.values()) or 1.0
    rows = [(name, 100.0 * v / total) for name, v in share.most_common()]
    for name, pct in rows:
        print(f"{pct:5.1f} %  {name}")
    outside = 100.0 - sum(p for n, p in rows if n in INSIDE)
    print(f"{outside:5.1f} %  outside raster + encode")
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.writelines(f"{n}\t{p:.1f}\n" for n, p in rows)
            f.write(f"outside\t{outside:.1f}\n")
