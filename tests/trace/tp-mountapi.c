/*
 * tp-mountapi: the mount API's calls (fsopen, fsconfig with each command,
 * fsmount, fspick, move_mount, open_tree, mount_setattr) and quotactl_fd,
 * with known and unknown flags, made so that none changes a mount: bad
 * descriptors, paths that do not exist, a filesystem context that is never
 * created.  test-strace-mountapi.sh compares the lines with strace's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/quota.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NOPATH "/nonexistent-zpoline-mountapi"

int main(void)
{
	syscall(SYS_fsopen, "nonexistentfs", FSOPEN_CLOEXEC);
	syscall(SYS_fsopen, "nonexistentfs", 0);
	syscall(SYS_fsopen, NULL, 0x10);
	syscall(SYS_fsconfig, -1, FSCONFIG_SET_FLAG, "ro", NULL, 0);
	syscall(SYS_fsconfig, -1, FSCONFIG_SET_FLAG, "ro", "junk", 9);
	syscall(SYS_fsconfig, -1, FSCONFIG_SET_STRING, "source", "/dev/x", 0);
	syscall(SYS_fsconfig, -1, FSCONFIG_SET_STRING, NULL, NULL, 0);
	syscall(SYS_fsconfig, -1, FSCONFIG_SET_BINARY, "blob", "\1\2abc", 5);
	syscall(SYS_fsconfig, -1, FSCONFIG_SET_BINARY, "b", "\1\2abcdefghijklmnopqrstuvwxyz0123456789", 40);
	syscall(SYS_fsconfig, -1, FSCONFIG_SET_PATH, "p", "/tmp", AT_FDCWD);
	syscall(SYS_fsconfig, -1, FSCONFIG_SET_PATH, "p", NULL, 5);
	syscall(SYS_fsconfig, -1, FSCONFIG_SET_PATH_EMPTY, "p", "", 3);
	syscall(SYS_fsconfig, -1, FSCONFIG_SET_FD, "fd", NULL, 5);
	syscall(SYS_fsconfig, -1, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
	syscall(SYS_fsconfig, -1, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0);
	syscall(SYS_fsconfig, -1, 99, NULL, NULL, 7);
	syscall(SYS_fsmount, -1, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOATIME);
	syscall(SYS_fsmount, -1, 0, 0);
	syscall(SYS_fsmount, -1, 0x10, 0x40000000);
	syscall(SYS_fspick, AT_FDCWD, NOPATH, FSPICK_CLOEXEC | FSPICK_EMPTY_PATH);
	syscall(SYS_fspick, -1, NULL, 0x100);
	syscall(SYS_move_mount, -1, NOPATH, AT_FDCWD, NOPATH "2",
		MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS);
	syscall(SYS_move_mount, -1, NULL, -1, NULL, 0x1000);
	syscall(SYS_open_tree, AT_FDCWD, NOPATH, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	syscall(SYS_open_tree, AT_FDCWD, NOPATH, 0);
	syscall(SYS_open_tree, -1, "", AT_EMPTY_PATH | 0x10000000);
	struct mount_attr ma = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID,
				.attr_clr = MOUNT_ATTR__ATIME,
				.propagation = 1 << 18 /* MS_PRIVATE */,
				.userns_fd = 7};
	syscall(SYS_mount_setattr, -1, NOPATH, AT_RECURSIVE, &ma, sizeof ma);
	memset(&ma, 0, sizeof ma);
	syscall(SYS_mount_setattr, AT_FDCWD, NOPATH, 0, &ma, sizeof ma);
	/* a bigger struct than this kernel's, its tail not zero */
	unsigned char big[40] = {0};
	struct mount_attr *b = (struct mount_attr *)big;
	b->attr_set = 0x40000000;
	b->propagation = 3;
	big[32] = 0x68;
	big[39] = 0x7f;
	syscall(SYS_mount_setattr, 3, NOPATH,
		AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | 0x10, big, sizeof big);
	syscall(SYS_mount_setattr, -1, NOPATH, 0, &ma, 8);
	syscall(SYS_quotactl_fd, -1, QCMD(Q_SYNC, USRQUOTA), 0, NULL);
	syscall(SYS_quotactl_fd, -1, QCMD(Q_GETFMT, GRPQUOTA), 0, NULL);
	syscall(SYS_quotactl_fd, -1, 0x800002, 1000, NULL);
	return 0;
}
