#!/usr/bin/env python3
"""Reference values for tests/ab/test_paired.c, computed independently of the
C code: exact two-sided Wilcoxon signed-rank p-values by enumerating every
sign assignment (2^n), and the tie-corrected normal approximation with a
continuity correction written out by hand (scipy.stats.wilcoxon's
method="approx", correction=True), and Holm's adjustment by its definition.
Run: python3 tests/ab/wsr_ref.py"""
import itertools, math

def ranks(a):
    idx = sorted(range(len(a)), key=lambda i: a[i])
    r = [0.0] * len(a)
    i = 0
    while i < len(a):
        j = i
        while j + 1 < len(a) and a[idx[j + 1]] == a[idx[i]]:
            j += 1
        for k in range(i, j + 1):
            r[idx[k]] = (i + j + 2) / 2
        i = j + 1
    return r

def wsr_exact(d):
    d = [x for x in d if x != 0]
    n = len(d)
    r = ranks([abs(x) for x in d])
    wpos = sum(rk for rk, x in zip(r, d) if x > 0)
    t = min(wpos, n * (n + 1) / 2 - wpos)
    cnt = 0
    for signs in itertools.product([0, 1], repeat=n):
        w = sum(rk for rk, s in zip(r, signs) if s)
        if w <= t + 1e-9:
            cnt += 1
    return wpos, min(1.0, 2 * cnt / 2 ** n)

def wsr_normal(d):
    d = [x for x in d if x != 0]
    n = len(d)
    a = [abs(x) for x in d]
    r = ranks(a)
    wpos = sum(rk for rk, x in zip(r, d) if x > 0)
    tot = n * (n + 1) / 2
    t = min(wpos, tot - wpos)
    mn = tot / 2
    ties = {}
    for x in a:
        ties[x] = ties.get(x, 0) + 1
    var = n * (n + 1) * (2 * n + 1) / 24 - sum(c ** 3 - c for c in ties.values()) / 48
    corr = -0.5 if t < mn else 0.0
    z = (t - mn - corr) / math.sqrt(var)
    return wpos, z, min(1.0, math.erfc(abs(z) / math.sqrt(2)))

def holm(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: (p[i], i))
    out = [0.0] * m
    run = 0.0
    for k, i in enumerate(order):
        run = max(run, min(1.0, (m - k) * p[i]))
        out[i] = run
    return out

cases = {
    "exact_a": [0.8, -0.3, 1.2, 0.5, 2.0, -0.1, 0.9, 1.5],
    "exact_all_pos": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    "exact_zero_dropped": [0.0, 1.0, -2.0, 3.0, 4.0, -5.0, 6.0, 7.0],
}
for k, v in cases.items():
    print(k, "w_pos=%.1f p=%.12g" % wsr_exact(v))
ties = [1.0, -1.0, 2.0, 2.0, 2.0, -3.0, 4.0, 4.0, 5.0, 6.0]
print("normal_ties w_pos=%.1f z=%.12g p=%.12g" % wsr_normal(ties))
print("holm", ["%.12g" % x for x in holm([0.01, 0.04, 0.03, 0.005])])
