/* The site sets the entry stub probes (registry.c). */
#include "rt.h"
#include "t.h"

int main(void)
{
	struct zp_site_table *tab = zp_site_table;
	T_CHECK(!zp_set_has(tab, 0x1234), "empty set has nothing");
	int ok = 1;
	/* Clustered keys like real sites: many per page, pages far apart. */
	for (uint64_t i = 0; i < 20000; i++) {
		uint64_t key = 0x7f0000000000ull + (i / 50) * 0x100000 + (i % 50) * 37 + 2;
		if (zp_set_add(&zp_site_table, key) < 0)
			ok = 0;
	}
	T_CHECK(ok, "20000 insertions");
	int found = 1, absent = 1;
	for (uint64_t i = 0; i < 20000; i++) {
		uint64_t key = 0x7f0000000000ull + (i / 50) * 0x100000 + (i % 50) * 37 + 2;
		found &= zp_set_has(zp_site_table, key);
		absent &= !zp_set_has(zp_site_table, key + 1);
	}
	T_CHECK(found, "every inserted key is found");
	T_CHECK(absent, "neighbouring addresses are not");
	T_CHECK(zp_set_count(zp_site_table) == 20000, "count is 20000 (%zu)", zp_set_count(zp_site_table));
	T_CHECK(zp_site_table->mask + 1 >= 40000, "at most half full (%lu slots)",
		(unsigned long)zp_site_table->mask + 1);
	T_CHECK(zp_set_add(&zp_site_table, 0x7f0000000000ull + 2) == 0 &&
			zp_set_count(zp_site_table) == 20000,
		"adding a present key changes nothing");
	T_CHECK(!zp_set_has(zp_trap_table, 0x7f0000000000ull + 2), "the trap set is separate");
	T_DONE();
}
