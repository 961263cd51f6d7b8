/* A shared object that is not a hook library at all. */
int not_a_hook(void)
{
	return 1;
}
