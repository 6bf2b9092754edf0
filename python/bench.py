"""What one `Template.render` of the README example costs from Python: the median of
CALLS calls after a warm-up. Build with `maturin develop --release -m python/Cargo.toml`
first (a debug build measures the unoptimised library). Run from the repository root:

    python python/bench.py [CALLS]
"""

import statistics
import sys
import time

import affiche

calls = int(sys.argv[1]) if len(sys.argv) > 1 else 30
t = affiche.Template.load("templates/hero", fonts="fonts")
values = {"name": "Léa ROY", "constituency": "Paris (1re circonscription)"}
photo = open("samples/photos/hopper.jpg", "rb").read()


def render() -> bytes:
    return t.render(values, photo=photo, preset="instagram-story")


for _ in range(3):
    render()
ms = []
for _ in range(calls):
    start = time.perf_counter()
    png = render()
    ms.append((time.perf_counter() - start) * 1e3)
print(
    f"python Template.render: {calls} calls, median {statistics.median(ms):.1f} ms, "
    f"min {min(ms):.1f} ms, max {max(ms):.1f} ms ({len(png)} bytes)"
)
