/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
int main(void)
{
	fprintf(stderr, "mptcpd-ctl: not written yet\n");
	return 1;
}
