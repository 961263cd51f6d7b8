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
	return 0;
}
