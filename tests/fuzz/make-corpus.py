#!/usr/bin/env python3
"""make-corpus.py - regenerates the fuzzers' seed corpus (tests/fuzz/corpus/).

The committed files are the corpus; this script only documents and redoes
how they were made (needs python3 and binutils' readelf).

corpus/finder/   code buffers for fuzz_finder, each one whole function:
  libc-*, ldso-*   functions of libc.so.6 / ld.so that hold a 0f 05 or 0f 34
                   pair, bounds from the FDEs of .eh_frame (readelf)
  go-*             functions of a Go binary (stripped, no .eh_frame): bounds
                   from the int3 padding the Go linker puts between functions
  llvm-rodata-*    256 bytes of libLLVM's .rodata around a 0f 05 pair: data,
                   not code
  hand-*           written here, one case each (see HAND below)
corpus/ehframe/  inputs for fuzz_ehframe (layout in fuzz_ehframe.c): the
                   real .eh_frame_hdr + .eh_frame of ld.so, cut down to a few
                   FDEs, and hand-made edge cases
corpus/*/bug-*   one reproducer per runtime bug the fuzzers found (see
                   eh_bugs() and FINDER_BUGS), all fixed since: regression
                   seeds

Usage: tests/fuzz/make-corpus.py [OUTDIR]   (default: tests/fuzz/corpus)
"""
import os
import re
import struct
import subprocess
import sys

LIBC = "/lib/x86_64-linux-gnu/libc.so.6"
LDSO = "/lib64/ld-linux-x86-64.so.2"
GO = "/usr/bin/gofmt"
LLVM = "/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1"


def run(*args):
    # readelf exits 1 on harmless warnings (a missing separate debug file).
    return subprocess.run(args, capture_output=True, text=True).stdout


def load_segments(path):
    """[(vaddr, offset, filesz)] of the PT_LOAD segments."""
    segs = []
    for line in run("readelf", "-lW", path).splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            segs.append((int(f[2], 16), int(f[1], 16), int(f[4], 16)))
    return segs


def read_vaddr(data, segs, addr, size):
    for vaddr, off, filesz in segs:
        if vaddr <= addr and addr + size <= vaddr + filesz:
            return data[off + addr - vaddr: off + addr - vaddr + size]
    return None


def section(path, name):
    """(vaddr, offset, size) of a section."""
    for line in run("readelf", "-SW", path).splitlines():
        m = re.search(r"\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if m and m.group(1) == name:
            return int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16)
    return None


def has_pair(b):
    return b"\x0f\x05" in b or b"\x0f\x34" in b


def fde_functions(path):
    """Function ranges from the FDEs that readelf lists."""
    out = run("readelf", "--debug-dump=frames", path)
    return [(int(a, 16), int(b, 16)) for a, b in re.findall(r"pc=([0-9a-f]+)\.\.([0-9a-f]+)", out)]


def spread(items, n):
    """n items spread evenly over the list (so the picks are varied)."""
    if len(items) <= n:
        return items
    return [items[i * len(items) // n] for i in range(n)]


def from_fdes(path, prefix, n, outdir):
    data = open(path, "rb").read()
    segs = load_segments(path)
    picks = []
    for lo, hi in sorted(set(fde_functions(path))):
        if not 2 <= hi - lo <= 4096:
            continue
        b = read_vaddr(data, segs, lo, hi - lo)
        if b and has_pair(b):
            picks.append((lo, b))
    for lo, b in spread(picks, n):
        write(outdir, "%s-%x" % (prefix, lo), b)


def from_go(path, n, outdir):
    data = open(path, "rb").read()
    vaddr, off, size = section(path, ".text")
    text = data[off:off + size]
    picks = []
    for m in re.finditer(rb"\x0f\x05", text):
        i = m.start()
        # The Go linker pads functions to 32 bytes with int3.
        start = i
        while start > 0 and not (start % 32 == 0 and text[start - 1] == 0xCC):
            start -= 1
        end = i + 2
        while end < len(text) and text[end] != 0xCC:
            end += 1
        if end - start <= 4096 and (not picks or picks[-1][0] != start):
            picks.append((start, text[start:end]))
    for start, b in spread(picks, n):
        write(outdir, "go-%x" % (vaddr + start), b)


def from_rodata(path, n, outdir):
    data = open(path, "rb").read()
    vaddr, off, size = section(path, ".rodata")
    ro = data[off:off + size]
    hits = [m.start() for m in re.finditer(rb"\x0f\x05", ro)]
    for i in spread(hits, n):
        lo = max(0, i - 128)
        write(outdir, "llvm-rodata-%x" % (vaddr + lo), ro[lo:lo + 256])


NOP = b"\x90"
SYSCALL = b"\x0f\x05"
RET = b"\xc3"
HAND = {
    # The pair ends the buffer (the SSE scan's tail loop).
    "hand-syscall-at-end": b"\xb8\x27\x00\x00\x00" + SYSCALL,
    # Just the pair, and half of one.
    "hand-syscall-only": SYSCALL,
    "hand-lone-0f-at-end": b"\xb8\x27\x00\x00\x00\x0f",
    # The pair straddles a 4 KiB boundary, and a 16-byte SSE block edge.
    "hand-syscall-across-4k": NOP * 4095 + SYSCALL + RET,
    "hand-syscall-across-16": NOP * 15 + SYSCALL + NOP * 15 + SYSCALL + RET,
    # 0f 05 inside immediates and a displacement: no site.
    "hand-syscall-in-imm32": b"\xb8\x0f\x05\x00\x00" + RET,
    "hand-syscall-in-imm64": b"\x48\xb8\x11\x0f\x05\x0f\x34\x22\x33\x44" + SYSCALL + RET,
    "hand-syscall-in-disp": b"\x48\x8b\x80\x0f\x05\x00\x00" + SYSCALL + RET,
    # An indirect jump through a table that sits in the text right after
    # it (as some hand-written assembly does): the linear decode runs
    # through the table's bytes, which hold 0f 05 pairs.
    "hand-after-jump-table": b"\xff\x24\xc5\x10\x00\x00\x00"
    + b"\x0f\x05\x00\x00\x0f\x05\x00\x00" * 4
    + b"\xb8\x27\x00\x00\x00" + SYSCALL + RET,
    # Red zone: data below rsp (must become a trap site), and a function
    # with a frame whose rbp-relative data is inside it (fast site).
    "hand-redzone-rsp": b"\x48\x89\x44\x24\xf8" + SYSCALL + b"\x48\x8b\x44\x24\xf8" + RET,
    "hand-redzone-rbp": b"\x55\x48\x89\xe5\x48\x89\x45\xe0" + SYSCALL + b"\x5d" + RET,
    "hand-frame-rbp": b"\x55\x48\x89\xe5\x48\x83\xec\x20\x48\x89\x45\xe8" + SYSCALL
    + b"\xc9" + RET,
    "hand-aligned-frame": b"\x55\x48\x89\xe5\x48\x83\xe4\xf0\x48\x89\x45\xc0" + SYSCALL
    + b"\xc9" + RET,
    # Prefixed forms, sysenter, and the instruction that follows one.
    "hand-prefixed": b"\x66\x0f\x05\x48\x0f\x05\xf3\x0f\x05\x2e\x0f\x05" + RET,
    "hand-sysenter": b"\x0f\x34\x0f\x05\x0f\x34" + RET,
    # More sites than one function result holds (ZP_FUNC_MAX_SITES = 256).
    "hand-many-sites": SYSCALL * 300 + RET,
    # Undecodable bytes part way: sites before them still count.
    "hand-bad-opcode": SYSCALL + b"\x06" + SYSCALL + RET,
    "hand-truncated": SYSCALL + b"\x48\xb8\x01\x02",
    # The pair right after a long (15-byte) instruction.
    "hand-after-long": b"\x66\x66\x66\x66\x66\x66\x2e\x0f\x1f\x84\x00\x00\x00\x00\x00"
    + SYSCALL + RET,
    # EVEX with a compressed negative displacement from rsp.
    "hand-evex-rsp": b"\x62\xf1\x7c\x48\x29\x44\x24\xff" + SYSCALL + RET,
    "hand-empty": b"",
}


def write(outdir, name, b):
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(b)


# --- .eh_frame_hdr + .eh_frame inputs ----------------------------------------

def uleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def eh_image(fdes, cie_aug=b"zR", fde_enc=0x1B, version=1, extra_aug=b"",
             data_align=b"\x78"):
    """An .eh_frame_hdr at offset 0 followed by .eh_frame with one CIE and
    an FDE per (start, length), start relative to the header."""
    n = len(fdes)
    hdr_len = 4 + 4 + 4 + 8 * n
    cie_body = struct.pack("<I", 0) + bytes([version]) + cie_aug + b"\0"
    cie_body += uleb(1) + data_align + (b"\x10" if version == 1 else uleb(16))
    if cie_aug.startswith(b"z"):
        aug_data = extra_aug + bytes([fde_enc])
        cie_body += uleb(len(aug_data)) + aug_data
    cie_body += b"\x0c\x07\x08\x90\x01"  # def_cfa rsp+8, offset rip
    while (len(cie_body) + 4) % 8:
        cie_body += b"\0"
    eh = bytearray(struct.pack("<I", len(cie_body)) + cie_body)
    cie_off = hdr_len
    table = []
    for start, length in fdes:
        fde_off = hdr_len + len(eh)
        body = bytearray(struct.pack("<i", fde_off + 4 - cie_off))
        field = fde_off + 8
        if fde_enc == 0x1B:  # pcrel sdata4
            body += struct.pack("<ii", start - field, length)
        elif fde_enc == 0x03:  # udata4, absolute: relative to nothing
            body += struct.pack("<II", start & 0xFFFFFFFF, length)
        elif fde_enc == 0x00:  # absptr
            body += struct.pack("<QQ", start & (2**64 - 1), length)
        elif fde_enc == 0x3B:  # datarel sdata4 (relative to the header here)
            body += struct.pack("<ii", start, length)
        body += b"\0"  # no augmentation data
        while (len(body) + 4) % 8:
            body += b"\0"
        eh += struct.pack("<I", len(body)) + body
        table.append((start, fde_off))
    eh += b"\0\0\0\0"  # terminator
    hdr = bytes([1, 0x1B, 0x03, 0x3B]) + struct.pack("<i", hdr_len - 4)
    hdr += struct.pack("<I", n)
    for start, fde_off in sorted(table):
        hdr += struct.pack("<ii", start, fde_off)
    return hdr + bytes(eh)


def eh_two_cies(second_aug):
    """Two CIEs ("zR", pcrel sdata4, and one with augmentation second_aug),
    an FDE under each: FDE 0 at 0x1000+0x40 -> CIE A, FDE 1 at
    0x2000+0x40 -> CIE B."""
    def cie(aug, aug_data):
        body = struct.pack("<I", 0) + b"\x01" + aug + b"\0" + uleb(1) + b"\x78\x10"
        body += uleb(len(aug_data)) + aug_data
        while (len(body) + 4) % 8:
            body += b"\0"
        return struct.pack("<I", len(body)) + body
    hdr_len = 12 + 16
    eh = bytearray()
    cie_a = hdr_len
    eh += cie(b"zR", b"\x1b")
    cie_b = hdr_len + len(eh)
    eh += cie(second_aug, b"\x1b")
    fdes = []
    for start, c in ((0x1000, cie_a), (0x2000, cie_b)):
        off = hdr_len + len(eh)
        body = struct.pack("<i", off + 4 - c) + struct.pack("<ii", start - (off + 8), 0x40)
        body += b"\0"
        while (len(body) + 4) % 8:
            body += b"\0"
        eh += struct.pack("<I", len(body)) + body
        fdes.append((start, off))
    eh += b"\0\0\0\0"
    hdr = bytes([1, 0x1B, 0x03, 0x3B]) + struct.pack("<iI", hdr_len - 4, 2)
    for start, off in fdes:
        hdr += struct.pack("<ii", start, off)
    return hdr + bytes(eh)


EH = {
    "eh-one": eh_image([(0x1000, 0x40)]),
    "eh-three": eh_image([(0x1000, 0x40), (0x1040, 0x10), (0x2000, 0x100)]),
    "eh-gap": eh_image([(0x100, 0x10), (0x200, 0x10)]),
    "eh-negative-start": eh_image([(-0x5000, 0x20), (-0x10, 0x10)]),
    "eh-empty-table": eh_image([]),
    "eh-udata4": eh_image([(0x1000, 0x40)], fde_enc=0x03),
    "eh-absptr": eh_image([(0x1000, 0x40)], fde_enc=0x00),
    "eh-datarel": eh_image([(0x1000, 0x40)], fde_enc=0x3B),
    "eh-version3": eh_image([(0x1000, 0x40)], version=3),
    "eh-personality": eh_image([(0x1000, 0x40)], cie_aug=b"zPLR",
                               extra_aug=b"\x9b" + struct.pack("<i", 0x100) + b"\x1b"),
    "eh-signal-frame": eh_image([(0x1000, 0x40)], cie_aug=b"zRS"),
    "eh-no-z": eh_image([(0x1000, 0x40)], cie_aug=b""),
    "eh-two-cies": eh_two_cies(b"zR"),
}


def hdr(ptr_enc=0x1B, count_enc=0x03, table_enc=0x3B, ptr=b"\0\0\0\0", count=1):
    return bytes([1, ptr_enc, count_enc, table_enc]) + ptr + struct.pack("<I", count)


# Inputs that made ehframe.c read outside the image or hit undefined
# behaviour before it was hardened: one per missing check (docs/fuzzing.md).
def eh_bugs():
    one = eh_image([(0x1000, 0x40)])  # hdr 20 bytes, CIE at 20, FDE at 44
    fde = 20 + 24
    bugs = {}
    # The header alone, cut short: 4 of its 12 bytes.
    bugs["hdr-short"] = one[:4]
    # fde_count far beyond the table: the binary search reads 64 MiB away.
    bugs["table-count"] = hdr(count=0x1000000) + struct.pack("<ii", 0, 20)
    # A table entry whose FDE offset points 1 GiB away.
    bugs["fde-outside"] = hdr() + struct.pack("<ii", 0, 0x40000000)
    # An FDE whose CIE pointer points 1 GiB back.
    img = bytearray(one)
    struct.pack_into("<i", img, fde + 4, 0x40000000)
    bugs["cie-outside"] = bytes(img)
    # A CIE whose augmentation string runs to the end of the image.
    img = bytearray(one[:20 + 9])
    img[20 + 9 - 1] = ord("z")
    img[20 + 8] = ord("z")
    bugs["cie-fields"] = bytes(img)
    # The image ends inside the FDE, before pc_begin.
    bugs["fde-fields"] = one[:fde + 8]
    # The header's eh_frame_ptr encoded indirect|absptr: the runtime loads
    # 8 bytes from the address 0x10 found in the data.
    bugs["hdr-indirect"] = hdr(ptr_enc=0x80, ptr=struct.pack("<Q", 0x10)) + \
        struct.pack("<ii", 0, 20)
    # The CIE says FDE pc_begin is indirect|absptr: a load from 0x10.
    img = bytearray(eh_image([(0x1000, 0x40)], fde_enc=0x00))
    aug = img.index(b"zR\0") + 3 + 3  # code align, data align, ra
    img[aug + 1] = 0x80
    bugs["fde-indirect"] = bytes(img)
    # eh_frame_ptr as a 1-byte ULEB128: the table starts at offset 9 and
    # is read with misaligned int32_t loads.
    bugs["table-align"] = bytes([1, 0x01, 0x03, 0x3B, 0x00]) + struct.pack("<I", 1) + \
        struct.pack("<ii", 0, 0x40000000)
    # A data alignment factor as a 10-byte SLEB128: sleb() shifts a signed
    # 64-bit value by 63 (shift-base UB) ...
    bugs["sleb-shift"] = eh_image([(0x1000, 0x40)], data_align=b"\xff" * 9 + b"\x01")
    # ... and with bit 6 of the last byte set, negates INT64_MIN.
    bugs["sleb-neg"] = eh_image([(0x1000, 0x40)], data_align=b"\x80" * 8 + b"\x40")
    # A second CIE with an augmentation letter the runtime does not know:
    # parsing it fails but leaves cie_enc = absptr while ix->cie still names
    # the first CIE, so the next lookup under the first CIE reads pc_begin
    # as 8 bytes and gets a wrong function.
    bugs["cie-cache-stale"] = eh_two_cies(b"zX")
    return bugs


FINDER_BUGS = {
    # 300 sites in one stretch: zp_decode_linear reports nsites = 256
    # (zp_decode_function says 300).
    "linear-undercount": SYSCALL * 300 + RET,
}


def real_eh(path, keep, outdir, name):
    """The object's own .eh_frame_hdr and .eh_frame, as one image with the
    table cut to `keep` entries (the rest of .eh_frame stays)."""
    data = open(path, "rb").read()
    hv, ho, hs = section(path, ".eh_frame_hdr")
    ev, eo, es = section(path, ".eh_frame")
    if ev < hv:
        return
    img = bytearray(data[ho:ho + hs] + b"\0" * (ev - hv - hs) + data[eo:eo + es])
    count = struct.unpack_from("<I", img, 8)[0]
    keep = min(keep, count)
    # Keep entries spread over the table, sorted as they are.
    idx = [i * count // keep for i in range(keep)]
    rows = [img[12 + 8 * i: 20 + 8 * i] for i in idx]
    struct.pack_into("<I", img, 8, keep)
    for k, r in enumerate(rows):
        img[12 + 8 * k: 20 + 8 * k] = r
    write(outdir, name, bytes(img))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    fin = os.path.join(root, "finder")
    ehd = os.path.join(root, "ehframe")
    os.makedirs(fin, exist_ok=True)
    os.makedirs(ehd, exist_ok=True)
    from_fdes(LIBC, "libc", 16, fin)
    from_fdes(LDSO, "ldso", 6, fin)
    from_go(GO, 8, fin)
    from_rodata(LLVM, 6, fin)
    for name, b in HAND.items():
        write(fin, name, b)
    for name, b in EH.items():
        write(ehd, name, b)
    real_eh(LDSO, 16, ehd, "eh-ldso")
    for sub, cases in (("ehframe", eh_bugs()), ("finder", FINDER_BUGS)):
        for name, b in cases.items():
            write(os.path.join(root, sub), "bug-" + name, b)


if __name__ == "__main__":
    main()
