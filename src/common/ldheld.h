/*
 * ldheld.h - ld.so's variables on their way through zpoline-loader.
 *
 * The loader is a dynamic program, so its own ld.so acts on the variables
 * that steer ld.so (LD_TRACE_LOADED_OBJECTS, LD_DEBUG, LD_LIBRARY_PATH...)
 * before the loader runs.  When the runtime sends a program through the
 * loader it renames them, ZP_LD_HELD_PREFIX in front (src/runtime/exec.c);
 * the loader gives the program back their names (src/loader/env.c).
 */
#ifndef ZP_LDHELD_H
#define ZP_LDHELD_H

#define ZP_LD_HELD_PREFIX "ZPOLINE_LDHELD_"

#endif
