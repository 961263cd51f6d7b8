/*
 * decoder.h - the x86 decoder (Zydis), loaded on first use (decoder.c).
 */
#ifndef ZP_DECODER_H
#define ZP_DECODER_H

#include <stdbool.h>
#include <stdint.h>
#include <Zydis/Zydis.h>

struct zp_decoder_api {
	__typeof__(ZydisDecoderInit) *init;
	__typeof__(ZydisDecoderEnableMode) *enable_mode;
	__typeof__(ZydisDecoderDecodeInstruction) *decode;
};

/* The decoder's functions, loading it the first time; NULL if it cannot
 * be loaded (said once on stderr).  Safe in any context. */
const struct zp_decoder_api *zp_decoder(void);

/* One instruction, fully (the finder's decoder, minimal mode: raw fields,
 * mnemonic, length, attributes); false if it does not decode. */
bool zp_decode_one(const uint8_t *p, size_t avail, ZydisDecodedInstruction *in);

/* Start-up: ZPOLINE_DECODER may name the library; dies with a clear
 * message if it is missing, before any code needs decoding. */
void zp_decoder_configure(void);

/* Did loading the decoder fail?  Site lists found since are incomplete and
 * must not be cached. */
bool zp_decoder_unavailable(void);
/* Unavailable because no descriptor was free at the last try. */
bool zp_decoder_starved(void);

/* Is any of [start, end) the decoder's own mapping? */
bool zp_decoder_contains(uintptr_t start, uintptr_t end);

/* In a forked child: a load another thread was in the middle of is over. */
void zp_decoder_forked(void);

#endif
