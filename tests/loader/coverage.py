#!/usr/bin/env python3
"""coverage.py - did the hooks see every system call the program made?

    coverage.py TRACE COUNTS [--marker REGEX] [--until REGEX] [--ignore NAME,...]
    coverage.py --bypass TRACE --image LO-HI [--image LO-HI...] [--marker REGEX]

TRACE is the output of `strace -f -qq -o TRACE` (add -i for --bypass).
COUNTS is what the count hook (or tests/loader/hooks/rawcount.c) appended
for the hooked run: one table per process, added up here.

Which calls are the program's: in the first process, those after the line
matching --marker (by default the loader's last system call, its
prctl(PR_SET_NAME); '^execve\\(' for a native run of the same program) and,
with --until, before the first line matching that; in every other process,
those up to and including a successful execve (then another program runs).
restart_syscall is the kernel's and is left out, and so is the first half
of a call a signal interrupted and the kernel restarted (strace shows it
twice; the program made it once).

The count hook reports a process's counters when it calls exit_group.
Threads and CLONE_VM children (vfork, posix_spawn) count into their
parent's counters, a forked process into its own copy.  Calls of a process
whose counters are never reported (it became another program, or was
killed) cannot be compared: they are left out and the summary says how many.

The first form compares counts: every system call in TRACE must have
reached the hooks at least as often.  A trace of a native run is the clean
reference for a program that behaves the same every time (--ignore names
whose number depends on timing); a trace of the hooked run itself would
also hold the runtime's own bookkeeping calls.

The second form needs no counts and no determinism: with strace -i, every
call shows the address of the instruction that made it.  A call that went
through the hooks was made by the runtime's entry code; one made from
inside the program's image (--image: the address ranges the loader mapped,
as it reports them with ZPOLINE_DEBUG=1) went around zpoline.  There must
be none.  (The address of a call is taken where it started: a resumed
call's line shows where it returned to.)

Exit status: 0 all covered, 1 something was not, 2 bad input.
"""
import re
import sys
from collections import Counter

LINE = re.compile(r'^(\d+)\s+(?:\[([0-9a-f]+)\]\s+)?(.*)$')
CALL = re.compile(r'^([a-z_][a-z0-9_]*)\(')
RESUMED = re.compile(r'^<\.\.\. ([a-z_][a-z0-9_]*) resumed>')
RESULT = re.compile(r'\)\s*=\s*(-?\d+|\?|0x[0-9a-f]+)')


def events(path):
    """[pid, text, ip] for every line of the trace, in order; a call strace
    split in two (<unfinished ...> / <... resumed>) is put back together at
    its start, with the address it started from."""
    out = []
    pending = {}    # pid -> index of its unfinished call
    with open(path, errors='replace') as f:
        for raw in f:
            m = LINE.match(raw.rstrip('\n'))
            if not m:
                continue
            pid, ip, rest = int(m.group(1)), m.group(2), m.group(3)
            ip = int(ip, 16) if ip else None
            if RESUMED.match(rest) and pid in pending:
                i = pending.pop(pid)
                head = out[i][1].split('<unfinished', 1)[0]
                out[i][1] = head + rest.split('resumed>', 1)[1]
                continue
            out.append([pid, rest, ip])
            if rest.endswith('<unfinished ...>'):
                pending[pid] = len(out) - 1
    return out


def program_calls(path, marker, until=None):
    """Yields (pid, name, text, ip, result, group) for the program's calls,
    and records in `state` which counter groups were reported."""
    state = {'main': None, 'started': False, 'reported': set(), 'groups': 0}
    done = set()        # processes that have become another program
    group = {}          # pid -> whose counters it increments
    stopped = False
    calls = []
    for pid, rest, ip in events(path):
        if state['main'] is None:
            state['main'] = pid
            group[pid] = 0
        if rest.startswith(('---', '+++')):
            continue
        c = CALL.match(rest)
        if not c:
            continue
        name = c.group(1)
        if pid == state['main'] and not state['started']:
            state['started'] = bool(marker.search(rest))
            continue
        if until is not None and not stopped and until.search(rest):
            stopped = True
        if pid in done:
            continue
        res = RESULT.search(rest)
        result = res.group(1) if res else None
        g = group.setdefault(pid, 0)
        if not stopped:
            calls.append((pid, name, rest, ip, result, g))
        if name in ('clone', 'clone3', 'fork', 'vfork') and result and result.isdigit() \
                and int(result) > 0:
            if name == 'vfork' or 'CLONE_VM' in rest:
                group[int(result)] = g
            else:
                state['groups'] += 1
                group[int(result)] = state['groups']
        elif name == 'execve' and result == '0':
            done.add(pid)
        elif name == 'exit_group':
            state['reported'].add(g)
    if state['main'] is None:
        raise ValueError('%s: no system calls in the trace' % path)
    if not state['started']:
        raise ValueError('%s: no line matches %r: where does the program start?'
                         % (path, marker.pattern))
    return calls, state


def counted(name, text, result):
    """Does this line stand for one call the program made?"""
    if name == 'restart_syscall':
        return False
    return not (result == '?' and 'ERESTART' in text)


def hook_counts(path):
    counts = Counter()
    tables = 0
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[0] == 'calls':
                tables += 1
                continue
            if len(parts) == 3 and parts[0].isdigit() and parts[2] != 'total':
                counts[parts[2]] += int(parts[0])
    if not tables:
        raise ValueError('%s: no count table' % path)
    return counts


def compare_counts(trace, counts, opts):
    calls, state = program_calls(trace, re.compile(opts['--marker']),
                                 re.compile(opts['--until']) if opts['--until'] else None)
    hooked = hook_counts(counts)
    ignore = set(x for x in opts['--ignore'].split(',') if x)
    seen = Counter()
    left_out = 0
    for pid, name, text, ip, result, g in calls:
        if not counted(name, text, result):
            continue
        if g not in state['reported']:
            left_out += 1
        elif name not in ignore:
            seen[name] += 1
    missing = 0
    for name, n in sorted(seen.items()):
        if hooked[name] < n:
            missing += 1
            print('not hooked: %s: strace %d, hook %d' % (name, n, hooked[name]))
    note = ''
    if left_out:
        note = ' (%d calls of processes that never reported left out)' % left_out
    print('%d kinds of system call, %d calls in the trace; %d kinds short in the hook%s'
          % (len(seen), sum(seen.values()), missing, note))
    if not seen:
        print('coverage.py: nothing to compare')
        return 2
    return 1 if missing else 0


def check_bypass(trace, images, opts):
    calls, _ = program_calls(trace, re.compile(opts['--marker']))
    checked = 0
    found = []
    for pid, name, text, ip, result, g in calls:
        if not counted(name, text, result):
            continue
        if ip is None:
            raise ValueError('%s: no instruction addresses (strace -i)' % trace)
        checked += 1
        if any(lo <= ip < hi for lo, hi in images):
            found.append((pid, ip, text))
    for pid, ip, text in found[:30]:
        print('around zpoline: %d [%x] %s' % (pid, ip, text[:100]))
    print('%d calls of the program checked; %d made from its own code, around zpoline'
          % (checked, len(found)))
    if not checked:
        print('coverage.py: nothing to check')
        return 2
    return 1 if found else 0


def main(argv):
    args = argv[1:]
    opts = {'--marker': r'prctl\(PR_SET_NAME', '--until': None, '--ignore': ''}
    files = []
    images = []
    bypass = False
    while args:
        a = args.pop(0)
        if a == '--bypass':
            bypass = True
        elif a in opts or a == '--image':
            if not args:
                print('coverage.py: %s needs a value' % a)
                return 2
            v = args.pop(0)
            if a == '--image':
                m = re.match(r'^(?:0x)?([0-9a-f]+)-(?:0x)?([0-9a-f]+)$', v)
                if not m:
                    print('coverage.py: --image wants LO-HI in hex, not %r' % v)
                    return 2
                images.append((int(m.group(1), 16), int(m.group(2), 16)))
            else:
                opts[a] = v
        else:
            files.append(a)
    try:
        if bypass and len(files) == 1 and images:
            return check_bypass(files[0], images, opts)
        if not bypass and len(files) == 2:
            return compare_counts(files[0], files[1], opts)
    except (OSError, ValueError) as e:
        print('coverage.py: %s' % e)
        return 2
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
