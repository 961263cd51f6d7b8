/*
 * tp-ttyioctl - terminal ioctls whose lines differed from strace's: the
 * TCSETS* numbers, which strace also names as the OSS timer ioctls that
 * share them (every tcsetattr()), requests whose pointer argument strace
 * shows as NULL or an address, and requests it shows with no argument.
 * test-strace-ttyioctl.sh compares the lines with strace's.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int main(void)
{
	static const unsigned long req[] = {TCSETS,	  TCSETSW,	 TCSETSF,	 TCGETA,
					    TCSETA,	  TCSETAW,	 TCSETAF,	 TIOCSTI,
					    TIOCMGET,	  TIOCMBIS,	 TIOCMBIC,	 TIOCMSET,
					    TIOCGSOFTCAR, TIOCSSOFTCAR,	 TIOCGLCKTRMIOS, TIOCSLCKTRMIOS,
					    TIOCGDEV,	  TIOCGEXCL,	 TIOCSBRK,	 TIOCCBRK,
					    TIOCVHANGUP};
	for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
		ioctl(-1, req[i], 0);
	/* a real terminal: tcsetattr's three spellings, decoded */
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m))
		return 2;
	int s = open(ptsname(m), O_RDWR | O_NOCTTY);
	struct termios t;
	if (s < 0 || tcgetattr(s, &t))
		return 2;
	tcsetattr(s, TCSANOW, &t);
	tcsetattr(s, TCSADRAIN, &t);
	tcsetattr(s, TCSAFLUSH, &t);
	/* all flags 0 (watch(1) on a non-terminal): strace still writes the
	 * '|' before the other c_oflag and c_cflag flags,
	 * "c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|, c_cflag=B0|CS5|" */
	struct termios z = {0};
	ioctl(-1, TCSETSW, &z);
	return 0;
}
