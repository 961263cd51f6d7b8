/* test-solib.c - the runtime's own loader of the decoder (solib.c,
 * decoder.c): what it loads works, what it cannot load is refused with a
 * reason and leaves nothing mapped. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <Zydis/Zydis.h>

#include "decoder.h"
#include "solib.h"
#include "t.h"
#include <zpoline.h>

static int map_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;
	while (f && (c = fgetc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	return n;
}

static size_t decoded_length(const struct zp_decoder_api *z, const uint8_t *code, size_t len,
			     ZydisMnemonic *mn)
{
	ZydisDecoder d;
	ZydisDecodedInstruction in;
	z->init(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	if (!ZYAN_SUCCESS(z->decode(&d, ZYAN_NULL, code, len, &in)))
		return 0;
	*mn = in.mnemonic;
	return in.length;
}

static void refused(const char *path, const char *why)
{
	struct zp_solib lib;
	char err[512] = "";
	int before = map_count();
	int r = zp_solib_load(&lib, path, NULL, err, sizeof err);
	T_CHECK(r < 0 && strstr(err, why) && strstr(err, path), "%s refused: \"%s\"", path, err);
	T_CHECK(map_count() == before, "%s: nothing left mapped (%d -> %d mappings)", path, before,
		map_count());
}

int main(void)
{
	const char *build = getenv("ZP_BUILD") ? getenv("ZP_BUILD") : "build";
	char path[4096];

	const struct zp_decoder_api *z = zp_decoder();
	T_CHECK(z != NULL, "the decoder loads");
	if (!z)
		T_DONE();
	T_CHECK((void *)z->decode != (void *)ZydisDecoderDecodeInstruction,
		"it is the runtime's own copy, not the one ld.so loaded for this test");
	T_CHECK(zp_decoder_contains((uintptr_t)z->decode, (uintptr_t)z->decode + 1) &&
			!zp_decoder_contains((uintptr_t)path, (uintptr_t)path + 1),
		"its mapping is known to the runtime");
	T_CHECK(zp_decoder() == z, "loaded once");
	static const uint8_t syscall_insn[] = {0x0f, 0x05}, mov[] = {0x48, 0x89, 0xe5, 0x90};
	ZydisMnemonic mn = ZYDIS_MNEMONIC_INVALID;
	T_CHECK(decoded_length(z, syscall_insn, 2, &mn) == 2 && mn == ZYDIS_MNEMONIC_SYSCALL,
		"0f 05 decodes as syscall");
	T_CHECK(decoded_length(z, mov, sizeof mov, &mn) == 3 && mn == ZYDIS_MNEMONIC_MOV,
		"48 89 e5 decodes as a 3-byte mov (relocated tables work)");

	/* A hook library with no imports loads too; its function runs. */
	snprintf(path, sizeof path, "%s/libzphook_pass.so", build);
	struct zp_solib lib;
	char err[512] = "";
	int r = zp_solib_load(&lib, path, NULL, err, sizeof err);
	T_CHECK(r == 0, "%s loads (%s)", path, err);
	if (r == 0) {
		int (*init)(const struct zpoline_runtime *, struct zpoline_hook *) =
			(int (*)(const struct zpoline_runtime *, struct zpoline_hook *))zp_solib_sym(
				&lib, "zpoline_hook_init");
		struct zpoline_hook h = {0};
		T_CHECK(init && init(NULL, &h) == 0 && h.name && !strcmp(h.name, "pass"),
			"its zpoline_hook_init runs and names the hook \"%s\"", h.name ? h.name : "?");
		T_CHECK(zp_solib_sym(&lib, "no_such_symbol") == NULL &&
				zp_solib_sym(&lib, "memcpy") == NULL,
			"unknown and undefined symbols are not found");
	}

	refused("/nonexistent/libZydis.so", "cannot open");
	refused("/etc/passwd", "not an x86-64 shared object");
	/* Any library with a DT_NEEDED entry (zlib is essential on Debian). */
	refused("/lib/x86_64-linux-gnu/libz.so.1", "needs ");
	refused("/lib/x86_64-linux-gnu/libc.so.6", "thread-local storage");
	T_DONE();
}
