#!/usr/bin/env python3
"""coverage-oracle.py STRACE_FILE COUNT_FILE LIBZPOLINE

Reads `strace -f -i` output of a program run under the runtime and the
counting hook's tables, and prints, per system call name, how many of the
program's own calls strace saw after start-up and how many the hooks saw:
    name strace_count hook_count
A call is the program's when strace's instruction pointer is one of the
runtime's zp_app_syscall_* instructions (the runtime's and the hooks' own
calls come from elsewhere); "after start-up" is after the runtime's marker
(ZPOLINE_MARK_INIT) in that process image, or anywhere in a forked child of
a process that was past it.
"""
import collections
import os
import re
import subprocess
import sys

strace_file, count_file, lib = sys.argv[1:4]

offsets = []
syms = {}
for line in subprocess.run(["nm", lib], capture_output=True, text=True).stdout.splitlines():
    parts = line.split()
    if len(parts) == 3:
        syms[parts[2]] = int(parts[0], 16)
    if len(parts) == 3 and parts[2].startswith("zp_app_syscall_"):
        offsets.append(int(parts[0], 16) + 2)  # strace shows the ip after syscall
if not offsets or "zp_stage2_template" not in syms:
    sys.exit("no zp_app_syscall_* / zp_stage2_template symbols in " + lib)
# The fast path runs from a copy of zp_stage2_template: the trampoline's
# second stage, a page below 2 GiB.  Its syscall's ip within that page:
stage2_ip = (syms["zp_app_syscall_fast"] - syms["zp_stage2_template"] + 2) % 4096

def is_stage2(ip):
    return ip < (1 << 31) and ip % 4096 == stage2_ip

line_re = re.compile(r"^(\d+) +\[([0-9a-f]+)\] (.*)$")
lines = []
parent = {}
parent_image = {}  # child pid -> the parent's image when it was made
# With strace -y: where ld.so mapped the library's first page in each image.
map_re = re.compile(r"^mmap\(.*<([^>]*)>, 0\) = (0x[0-9a-f]+)$")
lib_path = os.path.realpath(lib)
mapped = {}
image = collections.Counter()
for raw in open(strace_file, errors="replace"):
    m = line_re.match(raw.rstrip("\n"))
    if not m:
        continue
    pid, ip, rest = int(m.group(1)), int(m.group(2), 16), m.group(3)
    lines.append((pid, ip, rest))
    cm = re.match(r"^(?:<\.\.\. )?(clone|clone3|fork|vfork)\b.*= (\d+)", rest)
    if cm:
        parent[int(cm.group(2))] = pid
        parent_image[int(cm.group(2))] = image[pid]
    mm = map_re.match(rest)
    if mm and os.path.realpath(mm.group(1)) == lib_path:
        mapped.setdefault((pid, image[pid]), int(mm.group(2), 16))
    if re.match(r"^execve\(.*= 0$", rest) or re.match(r"^<\.\.\. execve resumed>.*= 0$", rest):
        image[pid] += 1

# The library's base in each process image: the page-aligned ip - offset
# that the most calls agree on.
def base_of(ips):
    votes = collections.Counter()
    for ip in ips:
        for off in offsets:
            b = ip - off
            if b % 4096 == 0 and b > 0:
                votes[b] += 1
    return votes.most_common(1)[0][0] if votes else None

on, image_ips, image_of = {}, collections.defaultdict(list), {}
# First pass: group ips by (pid, image number) to find bases.
image = collections.Counter()
for pid, ip, rest in lines:
    key = (pid, image[pid])
    image_ips[key].append(ip)
    if re.match(r"^execve\(.*= 0$", rest) or re.match(r"^<\.\.\. execve resumed>.*= 0$", rest):
        image[pid] += 1
bases = {k: mapped.get(k) or base_of(v) for k, v in image_ips.items()}
# A child runs its parent's image until it calls execve: the library is
# where it was in the parent.  Where strace -y shows no mapping, the base
# comes from votes, and an image's few calls could settle on a wrong one:
# another library's syscall whose address shares its low 12 bits with one
# of ours (the counting hook's own writes at exit).
def inherited(pid):
    while pid in parent:
        pid, img = parent[pid], parent_image[pid]
        if bases.get((pid, img)) is not None:
            return bases[(pid, img)]
        if img != 0:
            return None
    return None
for k in list(bases):
    if k[1] == 0 and k[0] in parent and k not in mapped:
        b = inherited(k[0])
        if b is not None:
            bases[k] = b

# Calls the kernel makes again by itself.  A call a signal cuts short ends
# "= ? ERESTART..." and, where the kernel restarts it, strace shows it a
# second time once the signal is handled (restart_syscall for
# ERESTART_RESTARTBLOCK); the program made it once, and its hooks saw it
# once (dash's fork cut short by SIGCHLD from the previous child of the
# pipeline was counted twice here).  The kernel restarts it when no
# handler runs; when one does, ERESTARTNOINTR always, ERESTARTSYS if the
# handler has SA_RESTART, the others never (EINTR).  So the handlers each
# process has are followed through rt_sigaction, fork (a copy), threads
# (shared) and execve (none).
def kernel_restarts():
    clone_entry = {}  # child pid -> index of the parent's clone entry line
    unfinished = {}
    for i, (pid, ip, rest) in enumerate(lines):
        if rest.endswith(" <unfinished ...>"):
            unfinished[pid] = i
        cm = re.match(r"^(<\.\.\. )?(clone|clone3|fork|vfork)\b.*= (\d+)", rest)
        if cm:
            clone_entry[int(cm.group(3))] = unfinished.get(pid, i) if cm.group(1) else i

    tables, snapshot, shares, frames, entry_text = {}, {}, {}, collections.defaultdict(list), {}

    def table_of(pid):
        if pid not in tables:
            e = clone_entry.get(pid)
            if e is not None and e in snapshot:
                tables[pid] = shares[e] if shares[e] is not None else dict(snapshot[e])
            else:
                tables[pid] = {}
        return tables[pid]

    skip = set()
    for i, (pid, ip, rest) in enumerate(lines):
        table = table_of(pid)
        sm = re.match(r"^--- (SIG\w+) \{", rest)
        if sm:
            handler = table.get(sm.group(1))
            if handler is None:
                continue  # none runs: an undecided call is restarted
            top = frames[pid][-1] if frames[pid] else None
            if top and top[0] == "exiting":
                code = top[1]
                again = code == "ERESTARTNOINTR" or (code == "ERESTARTSYS" and handler)
                frames[pid][-1] = ("handler", again)
            else:
                frames[pid].append(("handler", False))
            continue
        if rest.startswith("---") or rest.startswith("+++"):
            continue
        if not rest.startswith("<..."):
            # A call's entry.
            name = re.match(r"^([a-z0-9_]+)\(", rest)
            name = name.group(1) if name else ""
            if name == "rt_sigreturn":
                if frames[pid] and frames[pid][-1][0] == "handler":
                    again = frames[pid].pop()[1]
                    if again:
                        frames[pid].append(("next",))
            elif frames[pid] and frames[pid][-1][0] in ("exiting", "next"):
                frames[pid].pop()
                skip.add(i)
            if name in ("clone", "clone3", "fork", "vfork"):
                snapshot[i] = dict(table)
                shares[i] = table if re.search(r"\bflags=[^,]*CLONE_(SIGHAND|THREAD)", rest) else None
            if rest.endswith(" <unfinished ...>"):
                entry_text[pid] = rest[: -len(" <unfinished ...>")]
                continue
            whole = rest
        else:
            rm = re.match(r"^<\.\.\. [a-z0-9_]+ resumed>(.*)$", rest)
            whole = entry_text.pop(pid, "") + (rm.group(1) if rm else "")
        # A call's end (whole: the call's line with both halves).
        em = re.search(r"= \? (ERESTART\w+)", whole)
        if em:
            frames[pid].append(("exiting", em.group(1)))
            continue
        am = re.match(r"^rt_sigaction\((SIG\w+), \{sa_handler=([^,]+), .*?sa_flags=([^,}]+)", whole)
        if am and whole.endswith("= 0"):
            if am.group(2) in ("SIG_DFL", "SIG_IGN"):
                table.pop(am.group(1), None)
            else:
                table[am.group(1)] = "SA_RESTART" in am.group(3)
        if re.match(r"^execve.*= 0$", whole):
            tables[pid] = {}
    return skip

restarted = kernel_restarts()

counts = collections.Counter()
image = collections.Counter()
for index, (pid, ip, rest) in enumerate(lines):
    if index in restarted:
        continue
    if pid not in on:
        on[pid] = on.get(parent.get(pid), False)
    key = (pid, image[pid])
    base = bases.get(key)
    if base is None and pid in parent:
        base = bases.get((parent[pid], 0))
    if "zpoline-init-done" in rest:
        on[pid] = True
        continue
    if re.match(r"^(<\.\.\. )?execve.*= 0$", rest):
        image[pid] += 1
        on[pid] = False
        continue
    if rest.startswith("<...") or rest.startswith("---") or rest.startswith("+++"):
        continue
    name = re.match(r"^([a-z0-9_]+)\(", rest)
    if not name or not on[pid] or (base is None and not is_stage2(ip)):
        continue
    if not is_stage2(ip) and (base is None or ip - base not in offsets):
        continue
    counts[name.group(1)] += 1

hooks = collections.Counter()
for raw in open(count_file, errors="replace"):
    parts = raw.split()
    if len(parts) == 3 and parts[0].isdigit() and parts[2] != "total":
        hooks[parts[2]] += int(parts[0])

for name in sorted(counts):
    print(name, counts[name], hooks.get(name, 0))
