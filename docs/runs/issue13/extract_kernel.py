#!/usr/bin/env python3
"""extract_kernel.py IN.ptx KERNEL OUT.ptx [TARGET]: one .entry with the module's header, top-level declarations and every
.func it calls (transitively); the .target optionally replaced (retargeting a newer-arch library PTX to the device)."""
import re, sys
src, kernel, out = sys.argv[1], sys.argv[2], sys.argv[3]
target = sys.argv[4] if len(sys.argv) > 4 else None
text = open(src).read()
header = [l for l in text.split('\n')[:40] if l.strip().startswith(('.version', '.target', '.address_size'))]
text = '\n'.join(l if not l.strip().startswith(('.version', '.target', '.address_size')) else '' for l in text.split('\n'))
# split top-level items: functions are "... .entry|.func NAME(...) ... { ... }"; others end with ';'
items, i, n = [], 0, len(text)
start = 0
depth = 0
in_str = False
while i < n:
    c = text[i]
    if text.startswith('//', i):
        j = text.find('\n', i); i = n if j < 0 else j; continue
    if text.startswith('/*', i):
        j = text.find('*/', i); i = n if j < 0 else j + 2; continue
    if c == '"':
        j = text.find('"', i + 1); i = j + 1; continue
    if c == '{':
        depth += 1
    elif c == '}':
        depth -= 1
        if depth == 0:
            items.append(text[start:i + 1]); start = i + 1
    elif c == ';' and depth == 0:
        items.append(text[start:i + 1]); start = i + 1
    i += 1
def name_of(item):
    m = re.search(r'\.(entry|func)\s+(?:\([^)]*\)\s*)?([A-Za-z_$%][\w$]*)', item)
    return (m.group(1), m.group(2)) if m else (None, None)
funcs = {}
for it in items:
    kind, nm = name_of(it)
    if kind and '{' in it: funcs[nm] = (kind, it)
if kernel not in funcs: sys.exit(f'no kernel {kernel}')
keep, todo = set(), [kernel]
while todo:
    k = todo.pop()
    if k in keep: continue
    keep.add(k)
    for callee in re.findall(r'call(?:\.uni)?\s*(?:\([^)]*\)\s*,\s*)?([A-Za-z_$][\w$]*)', funcs[k][1]):
        if callee in funcs and callee not in keep: todo.append(callee)
res = []
for it in items:
    kind, nm = name_of(it)
    if kind and '{' in it:
        if nm in keep: res.append(it)
    elif kind:  # prototype
        res.append(it)
    else:
        res.append(it)
body = '\n'.join(header) + '\n' + ''.join(res)
if target: body = re.sub(r'\.target\s+[\w,\s]+?\n', f'.target {target}\n', body, count=1)
open(out, 'w').write(body.strip() + '\n')
print(out, len(body), 'bytes,', len(keep), 'functions')
