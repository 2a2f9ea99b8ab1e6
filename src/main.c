/* SPDX-License-Identifier: BSD-3-Clause */
#include "daemon.h"

int main(int argc, char **argv)
{
	return daemon_main(argc, argv);
}
