/*
 * loader.h - what the pieces of zpoline-loader share.
 *
 * zpoline-loader does in user space what execve does in the kernel, for
 * programs LD_PRELOAD cannot reach (static executables) or cannot reach
 * early enough (a dynamic program's ld.so and constructors): it maps the
 * program (and its interpreter), has the runtime rewrite their system call
 * sites, builds the initial stack and jumps to the entry point.  See
 * docs/loader.md.
 */
#ifndef ZL_LOADER_H
#define ZL_LOADER_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit statuses, as a shell reports them. */
#define ZL_EXIT_USAGE 125     /* the loader itself was used wrongly or failed */
#define ZL_EXIT_CANNOT_RUN 126 /* the file exists but cannot be run */
#define ZL_EXIT_NOT_FOUND 127 /* no such file */

#define ZL_PAGE 4096UL
#define ZL_PAGE_DOWN(x) ((uintptr_t)(x) & ~(ZL_PAGE - 1))
#define ZL_PAGE_UP(x) (((uintptr_t)(x) + ZL_PAGE - 1) & ~(ZL_PAGE - 1))

/* The kernel limits a program header table to this many bytes. */
#define ZL_MAX_PHDR_BYTES 65536

/* ---- sys.S, syscall.c: system calls no hook sees, and the hand-over ------- */
long zl_hidden_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
__attribute__((noreturn)) void zl_enter(uintptr_t entry, uintptr_t sp);
/* Picks the way to the kernel; call first. */
void zl_sys_init(void);
long zl_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

#define zl_sys0(n) zl_syscall((n), 0, 0, 0, 0, 0, 0)
#define zl_sys1(n, a) zl_syscall((n), (long)(a), 0, 0, 0, 0, 0)
#define zl_sys2(n, a, b) zl_syscall((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define zl_sys3(n, a, b, c) zl_syscall((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define zl_sys4(n, a, b, c, d) zl_syscall((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define zl_sys5(n, a, b, c, d, e) \
	zl_syscall((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define zl_sys6(n, a, b, c, d, e, f) \
	zl_syscall((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* ---- msg.c: messages on stderr ---------------------------------------- */
extern int zl_debug; /* ZPOLINE_DEBUG */
void zl_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn, format(printf, 2, 3))) void zl_fail(int status, const char *fmt, ...);
/* strerror() without libc's locale machinery (which may open files). */
const char *zl_strerror(long err);
/* Anonymous memory straight from the kernel (never brk). */
void *zl_alloc(size_t bytes);
void zl_free(void *p, size_t bytes);

/* ---- elf.c: a program file, read and checked --------------------------- */
struct zl_file {
	const char *path;   /* where it was opened */
	const char *name;   /* how messages name it */
	int fd;
	uint64_t size;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;     /* eh.e_phnum entries */
	const Elf64_Phdr *interp; /* PT_INTERP, or NULL */
	char *interp_path;  /* its contents, NUL-terminated, or NULL */
};

/* Opens and checks `path`; on any problem prints one line naming the file
 * (as `name`, or the path if NULL) and exits.  Returns ZL_FILE_ELF, or
 * ZL_FILE_SCRIPT for a "#!" script (left for the kernel to run). */
#define ZL_FILE_ELF 0
#define ZL_FILE_SCRIPT 1
int zl_file_open(struct zl_file *f, const char *path, const char *name);
/* 0, or -errno: pread of exactly `len` bytes. */
long zl_pread_all(int fd, void *buf, size_t len, uint64_t off);

/* ---- script.c: a script whose interpreter the loader loads ---------------- */
/* If `script` (opened from `path`) is a "#!" script whose interpreter is a
 * static program, or with `from_start` any x86-64 program: true, *interp
 * its path, and *argc, *argv the arguments the kernel would give it.
 * false: the kernel runs it. */
bool zl_script(const struct zl_file *script, const char *path, int *argc, char ***argv,
	       const char **interp, bool from_start);

/* ---- map.c: an image in memory ----------------------------------------- */
struct zl_image {
	uintptr_t bias;        /* load bias: memory address = bias + p_vaddr */
	uintptr_t lo, hi;      /* page-aligned span of the PT_LOAD segments */
	uintptr_t phdr;        /* the program headers in memory */
	uintptr_t entry;       /* bias + e_entry */
	uintptr_t bss_end;     /* end of the highest segment's memory */
};

/* Maps every PT_LOAD of f like the kernel does; exits on failure. */
void zl_map_image(const struct zl_file *f, struct zl_image *img);

/* ---- rewrite.c: the runtime rewrites an image's system call sites ------- */
/* Is libzpoline.so (with zpoline_rewrite_image) loaded in this process? */
bool zl_runtime_present(void);
/* Returns the number of sites rewritten, or -errno. */
int zl_rewrite(const struct zl_file *f, const struct zl_image *img);

/* ---- env.c ------------------------------------------------------------- */
/* envp without the runtime in LD_PRELOAD (for a program's own ld.so). */
char **zl_env_for_interp(char **envp);
/* ld.so's variables, renamed by the runtime for the loader's own ld.so's
 * sake, back under their names (src/common/ldheld.h). */
void zl_env_unhold(char **envp);

/* ---- stack.c: the initial stack ---------------------------------------- */
struct zl_start {
	int argc;
	char **argv;          /* the program's argv (argv[0] included) */
	char **envp;          /* the environment the loader was given */
	Elf64_auxv_t *auxv;   /* the loader's own auxiliary vector */
	const char *execfn;   /* AT_EXECFN */
	const struct zl_image *prog;
	const struct zl_image *interp; /* or NULL */
	uint16_t phnum;
};

/* Bytes the stack image needs (a bound). */
size_t zl_stack_size(const struct zl_start *s);
/* Writes the stack image into [area, area + size); returns the initial
 * stack pointer (16-byte aligned, pointing at argc).  *args_lo/hi receive
 * the span of the argument strings, *auxv and *auxv_bytes the new vector. */
uintptr_t zl_stack_build(const struct zl_start *s, char *area, size_t size, uintptr_t *args_lo,
			 uintptr_t *args_hi, Elf64_auxv_t **auxv, size_t *auxv_bytes);

/* ---- process.c: what the process looks like from outside --------------- */
struct zl_identity {
	const struct zl_file *file; /* the program */
	const char *exec_path;       /* resolved path: comm is its basename... */
	const char *comm;            /* ...unless this says (the name execve was given) */
	const struct zl_image *prog;
	uintptr_t args_lo, args_hi;  /* argument strings, for /proc/self/cmdline */
	uintptr_t sp;                /* the initial stack pointer */
	Elf64_auxv_t *auxv;          /* for /proc/self/auxv */
	size_t auxv_bytes;
};

/* The program break, /proc/self/exe, comm, cmdline and auxv: sets what the
 * kernel lets us set; the rest stays as the loader's.  Never fails.  Closes
 * the program's file; its last system call is prctl(PR_SET_NAME). */
void zl_become(const struct zl_identity *id);
/* Lets go of the loader's per-thread registrations the program's libc will
 * want to make itself (rseq). */
void zl_release_thread(void);

#endif
