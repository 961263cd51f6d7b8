/*
 * earlywait: threads blocked in system calls when the runtime starts
 * (libearlywait.so's initializer started them); prints what each call
 * returned once woken.
 */
void early_wait_finish(void);

int main(void)
{
	early_wait_finish();
	return 0;
}
