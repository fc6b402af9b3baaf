#!/usr/bin/env python3
"""Reference values for tests/compare/test_rstats.c, computed independently of
the C code: exact Mann-Whitney p-values by brute-force enumeration, the
tie-corrected normal approximation by hand (scipy method=asymptotic with
continuity correction), and the bootstrap CI with a Python xoshiro256**.
Run: python3 tests/compare/rstats_ref.py"""
import math, itertools
M=(1<<64)-1
def splitmix(state):
    state=(state+0x9e3779b97f4a7c15)&M
    z=state
    z=((z^(z>>30))*0xbf58476d1ce4e5b9)&M
    z=((z^(z>>27))*0x94d049bb133111eb)&M
    return state, z^(z>>31)
def seed(s):
    st=[];x=s
    for i in range(4):
        x,z=splitmix(x); st.append(z)
    return st
def rotl(x,k): return ((x<<k)|(x>>(64-k)))&M
def nxt(s):
    r=(rotl((s[1]*5)&M,7)*9)&M
    t=(s[1]<<17)&M
    s[2]^=s[0]; s[3]^=s[1]; s[1]^=s[2]; s[0]^=s[3]; s[2]^=t; s[3]=rotl(s[3],45)
    return r
def below(s,n):
    u=(nxt(s)>>11)*2.0**-53
    i=int(u*n); return min(i,n-1)
def med(v):
    v=sorted(v);n=len(v)
    return v[n//2] if n%2 else 0.5*(v[n//2-1]+v[n//2])
def q7(s,q):
    n=len(s);h=(n-1)*q;lo=math.floor(h)
    if lo>=n-1: return s[-1]
    return s[lo]+(h-lo)*(s[lo+1]-s[lo])
def boot(x,y,B,level,sd):
    s=seed(sd);r=[]
    for b in range(B):
        bx=[x[below(s,len(x))] for _ in x]
        by=[y[below(s,len(y))] for _ in y]
        r.append(med(by)/med(bx))
    r.sort()
    return med(y)/med(x), q7(r,(1-level)/2), q7(r,(1+level)/2)
s=seed(42); print("rng seed42 first3", [hex(nxt(s)) for _ in range(3)])
x=[1.00,1.02,0.98,1.05,0.97,1.01,1.03]
y=[1.10,1.12,1.08,1.15,1.09,1.11,1.20]
print("boot", ["%.17g"%v for v in boot(x,y,1000,0.95,42)])
# exact MWU by brute force enumeration
def exact_p(x,y):
    allv=sorted(x+y); n=len(allv); m=len(x)
    def U(xs,ys): return sum((a>b)+0.5*(a==b) for a in xs for b in ys)
    u=U(x,y)
    idx=range(n); le=ge=tot=0
    for comb in itertools.combinations(idx,m):
        cs=set(comb); xs=[allv[i] for i in comb]; ys=[allv[i] for i in idx if i not in cs]
        v=U(xs,ys); tot+=1; le+= v<=u; ge+= v>=u
    return u, min(1,2*min(le,ge)/tot)
print("exact 3v3", exact_p([1,3,5],[2,4,6]))
x10=[1,2,3,5,7,8,11,12,15,16]; y10=[4,6,9,10,13,14,17,18,19,20]
print("exact 10v10", exact_p(x10,y10))
# normal approx with ties
x=[1,2,2,3,4]; y=[2,3,3,5,6]
allv=sorted(x+y)
def rank(v):
    pos=[i+1 for i,a in enumerate(allv) if a==v]; return sum(pos)/len(pos)
R=sum(rank(v) for v in x); n1=len(x); n2=len(y); n=n1+n2
U1=R-n1*(n1+1)/2; U2=n1*n2-U1
from collections import Counter
T=sum(t**3-t for t in Counter(allv).values())
var=n1*n2/12*((n+1)-T/(n*(n-1)))
z=(max(U1,U2)-n1*n2/2-0.5)/math.sqrt(var)
print("ties", U1, U2, T, var, z, "%.17g"%math.erfc(z/math.sqrt(2)))
