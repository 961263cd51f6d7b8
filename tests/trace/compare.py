#!/usr/bin/env python3
"""compare.py STRACE_OUT ZPOLINE_OUT [MIN_SHARE]
compare.py --counts STRACE_OUT ZPOLINE_OUT_WITH_TABLE

Compares a trace written by `strace -f -o` with one written by the zpoline
tracer (`-f -o`).  Both are normalised first: pids become P1, P2 ... in
order of appearance, addresses 0xADDR, times, ports and random bytes
placeholders, column padding a single space; strace's
"<unfinished ...>"/"<... resumed>" pairs are joined and its signal delivery
lines ("--- SIG...") dropped (they are not calls).

strace also sees the dynamic loader and the zpoline runtime starting up,
which the tracer (loaded by that runtime) cannot: the comparison starts
where the two first agree for a few consecutive lines.  Prints the share
of strace's lines from there on that the tracer wrote identically, and
the first differences; exits 1 if the share is below MIN_SHARE (0.95).

With --counts the tracer's file is a -C run (lines, then the -c table):
the table's call count of every system call must equal the number of
strace lines for it from the common starting point on (what `strace -c`
counts), after taking out the calls the tracer made before that point;
exit and exit_group, which never return, are in neither.
"""
import difflib
import re
import sys

PID = re.compile(r'^(\d+) +(.*)$')


def load(path):
    lines = []
    pending = {}
    with open(path, errors='replace') as f:
        for raw in f:
            raw = raw.rstrip('\n')
            if not raw:
                continue
            m = PID.match(raw)
            pid, rest = (m.group(1), m.group(2)) if m else ('0', raw)
            if rest.endswith(' <unfinished ...>'):
                # a placeholder where the call started, in case it never
                # comes back (the process died in it: strace says "= ?")
                pending[pid] = (rest[:-len(' <unfinished ...>')], len(lines))
                lines.append((pid, pending[pid][0] + ') = ?'))
                continue
            r = re.match(r'<\.\.\. \S+ resumed>(.*)$', rest)
            if r:
                head, at = pending.pop(pid, ('', None))
                if at is not None:
                    lines[at] = None
                rest = head + r.group(1)
            if rest.startswith('--- '):
                continue
            lines.append((pid, rest))
    return [l for l in lines if l is not None]


def normalise(lines):
    order = {}
    for pid, _ in lines:
        order.setdefault(pid, 'P%d' % (len(order) + 1))
    out = []
    for pid, text in lines:
        for real, name in order.items():
            if real != '0':
                text = re.sub(r'\b%s\b' % real, name, text)
        text = re.sub(r'0x[0-9a-f]+', '0xADDR', text)
        text = re.sub(r'htons\(\d+\)', 'htons(PORT)', text)
        text = re.sub(r'tv_sec=\d+, tv_(n|u)sec=\d+', 'TIME', text)
        text = re.sub(r'/\* \d+ vars \*/', '/* N vars */', text)
        text = re.sub(r'^getrandom\("[^"]*"', 'getrandom("RANDOM"', text)
        text = re.sub(r'^sysinfo\(\{.*\}\)', 'sysinfo({...})', text)
        text = re.sub(r'^getppid\(\) += \d+', 'getppid() = PPID', text)
        text = re.sub(r'\) +=( |$)', r') =\1', text)
        out.append(name_of(order, pid) + ' ' + text.rstrip())
    return out


def name_of(order, pid):
    return order.get(pid, 'P?')


def counts_of(lines):
    c = {}
    for l in lines:
        m = re.match(r'P\d+ ([a-z_0-9]+)\(', l)
        if m:
            c[m.group(1)] = c.get(m.group(1), 0) + 1
    return c


def table_of(path):
    table, lines, intable = {}, [], False
    with open(path, errors='replace') as f:
        for raw in f:
            if raw.startswith('% time'):
                intable = True
                continue
            if not intable:
                lines.append(raw)
                continue
            parts = raw.split()
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != 'total':
                table[parts[-1]] = int(parts[3])
    return table, lines


def counts_main(spath, zpath):
    table, zlines = table_of(zpath)
    tmp = zpath + '.lines'
    with open(tmp, 'w') as f:
        f.writelines(zlines)
    s = normalise(load(spath))
    z = normalise(load(tmp))
    sm = difflib.SequenceMatcher(None, s, z, autojunk=False)
    start = next((b for b in sm.get_matching_blocks() if b.size >= 3), None)
    if not start or not table:
        print('nothing to compare (no common start or no -c table)')
        return 1
    want = counts_of(s[start.a:])
    for name in ('exit', 'exit_group'):
        want.pop(name, None)  # never return: strace -c does not count them
    before = counts_of(z[:start.b])
    bad = 0
    for name in sorted(set(want) | set(table)):
        if name == 'execve':
            continue  # the first one is strace's only
        got = table.get(name, 0) - before.get(name, 0)
        if got != want.get(name, 0):
            print('  %-20s tracer %d, strace %d' % (name, got, want.get(name, 0)))
            bad += 1
    print('%d system calls compared, %d differ' % (len(set(want) | set(table)), bad))
    return 1 if bad else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == '--counts':
        return counts_main(sys.argv[2], sys.argv[3])
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    want = float(sys.argv[3]) if len(sys.argv) > 3 else 0.95
    s = normalise(load(sys.argv[1]))
    z = normalise(load(sys.argv[2]))
    sm = difflib.SequenceMatcher(None, s, z, autojunk=False)
    blocks = [b for b in sm.get_matching_blocks() if b.size]
    start = next((b for b in blocks if b.size >= 3), None)
    if not start:
        print('no common run of 3 lines: nothing to compare')
        return 1
    s0, z0 = start.a, start.b
    same = sum(b.size - max(0, s0 - b.a) for b in blocks if b.a + b.size > s0 and b.b >= z0)
    total = len(s) - s0
    share = same / total if total else 0.0
    print('identical %d of %d strace lines (%.1f%%); tracer wrote %d lines from there; '
          'skipped %d start-up lines of strace' % (same, total, 100 * share, len(z) - z0, s0))
    shown = 0
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(None, s[s0:], z[z0:], autojunk=False).get_opcodes():
        if tag == 'equal':
            continue
        for l in s[s0 + a1:s0 + a2][:3]:
            print('  strace:  ' + l[:200])
        for l in z[z0 + b1:z0 + b2][:3]:
            print('  tracer:  ' + l[:200])
        shown += 1
        if shown >= 12:
            break
    return 0 if share >= want else 1


if __name__ == '__main__':
    sys.exit(main())
