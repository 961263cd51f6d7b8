/*
 * stubwin.c - which of the entry stub's edges a pc is in.
 *
 * Between a rewritten site's `callq *%rax` and the switch to the slot, and
 * again between the call and the way back, the stub runs on the program's
 * stack with the program's registers nearly all in place (entry.S).  A
 * signal arriving there is shown those (signals.c) as natively at the
 * `syscall`; entry.S lists the edges, each with what its registers hold
 * (STUB_WINDOW, kinds ZP_WIN_* in layout.h).  Page 0 and the landing jumps
 * of the second stage only jump: every register is the program's there.
 */
#include "rt.h"

struct stub_window {
	int32_t begin, end, kind; /* begin and end relative to their own fields */
};

extern ZP_HIDDEN const struct stub_window zp_stub_windows[], zp_stub_windows_end[];
extern ZP_HIDDEN const unsigned char zp_stage2_template_end[];

/* An address in the stage 2 template (or its end) stands for its copy. */
static uintptr_t placed(uintptr_t a)
{
	uintptr_t lo = (uintptr_t)zp_stage2_template, hi = (uintptr_t)zp_stage2_template_end;
	if (a < lo || a > hi)
		return a;
	return zp_stage2_addr ? zp_stage2_addr + (a - lo) : 0;
}

int zp_stub_window_at(uintptr_t ip)
{
	if (zp_page0_ours && ip < ZP_UNITS_END)
		return ZP_WIN_PRE8_RAX;
	if (zp_stage2_addr && ip - (zp_stage2_addr + S2_LAND) < S2_LAND_END - S2_LAND)
		return ZP_WIN_PRE8_RAX;
	/* Two symbols of entry.S around one table: counted by address. */
	size_t n = ((uintptr_t)zp_stub_windows_end - (uintptr_t)zp_stub_windows) / sizeof *zp_stub_windows;
	for (size_t i = 0; i < n; i++) {
		const struct stub_window *w = &zp_stub_windows[i];
		uintptr_t b = placed((uintptr_t)&w->begin + (uintptr_t)(intptr_t)w->begin);
		uintptr_t e = placed((uintptr_t)&w->end + (uintptr_t)(intptr_t)w->end);
		if (b && ip - b < e - b)
			return w->kind;
	}
	return 0;
}
