/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctl/output.h"
