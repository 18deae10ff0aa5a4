/* SPDX-License-Identifier: GPL-2.0 */
/* Puts every struct of filewall.h into BTF for LayoutsBtfTest, until it reads harness.bpf.o. */
#include "vmlinux.h"
#include "filewall.h"

struct fw_query layouts_query;
struct fw_table_hdr layouts_table_hdr;
struct fw_group layouts_group;
struct fw_ctl layouts_ctl;
struct fw_block layouts_block;
struct fw_stats layouts_stats;
