/* SPDX-License-Identifier: GPL-2.0 */
/* The host build's stand-in: tools/fuzz/kshim/kshim.h. */
#include "../kshim.h"
